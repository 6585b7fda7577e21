using Qtsp.Portal.Features.RenewalCodes;

namespace Qtsp.Portal.Tests.RenewalCodes;

public sealed class RenewalCodeFormatTests
{
    [Fact]
    public void A_code_carries_at_least_80_random_bits_in_four_readable_groups()
    {
        RenewalCodeFormat.EntropyBits.ShouldBeGreaterThanOrEqualTo(80);
        RenewalCodeFormat.Alphabet.Length.ShouldBe(32);
        RenewalCodeFormat.Alphabet.Distinct().Count().ShouldBe(32);
        (RenewalCodeFormat.Length * Math.Log2(RenewalCodeFormat.Alphabet.Length)).ShouldBe(RenewalCodeFormat.EntropyBits);

        var codes = Enumerable.Range(0, 2000).Select(_ => RenewalCodeFormat.New()).ToList();

        codes.Distinct(StringComparer.Ordinal).Count().ShouldBe(codes.Count);
        codes.ShouldAllBe(c => c.Length == 23 && c.Split('-').Length == 4 && c.Split('-').All(g => g.Length == 5));
        codes.ShouldAllBe(c => c.Replace("-", "", StringComparison.Ordinal).All(ch => RenewalCodeFormat.Alphabet.Contains(ch)));
        // Every character of the alphabet turns up in every position: no position is fixed or biased away.
        var flat = codes.Select(c => c.Replace("-", "", StringComparison.Ordinal)).ToList();
        for (var position = 0; position < RenewalCodeFormat.Length; position++)
        {
            flat.Select(c => c[position]).Distinct().Count().ShouldBe(32, $"position {position}");
        }
    }

    [Theory]
    [InlineData("7KQ2M-AB3CD-EFGHJ-KMNPQ", "7KQ2MAB3CDEFGHJKMNPQ")]
    [InlineData(" 7kq2m ab3cd efghj kmnpq ", "7KQ2MAB3CDEFGHJKMNPQ")]
    [InlineData("OIL2M-AB3CD-EFGHJ-KMNPQ", "0112MAB3CDEFGHJKMNPQ")]
    public void Typing_is_forgiving(string typed, string canonical) => RenewalCodeFormat.Normalise(typed).ShouldBe(canonical);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("7KQ2M-AB3CD-EFGHJ-KMNP")]
    [InlineData("7KQ2M-AB3CD-EFGHJ-KMNPQR")]
    [InlineData("7KQ2M-AB3CD-EFGHJ-KMNPU")]
    [InlineData("7KQ2M-AB3CD-EFGHJ-KMNP!")]
    [InlineData("' OR 1=1 --")]
    public void Anything_else_is_not_a_code(string? typed) => RenewalCodeFormat.Normalise(typed).ShouldBeNull();

    [Fact]
    public void Overlong_input_is_not_looked_at() => RenewalCodeFormat.Normalise(new string('-', 100) + "7KQ2MAB3CDEFGHJKMNPQ").ShouldBeNull();
}
