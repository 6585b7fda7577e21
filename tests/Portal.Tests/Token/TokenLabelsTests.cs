using Qtsp.Portal.Features.Token;

namespace Qtsp.Portal.Tests.Token;

/// <summary>What the rename dialog refuses before the agent is asked (the agent refuses the same).</summary>
public sealed class TokenLabelsTests
{
    [Theory]
    [InlineData("x (CC)")]
    [InlineData("Jan (Digital Signature PIN)")]
    [InlineData("Podpis (qscd)")]
    [InlineData("SERVICE KEY")]
    [InlineData("Servisní klíč")]
    [InlineData("p11#abc")]
    public void A_label_that_reads_as_an_area_or_a_ca_object_is_refused(string label) =>
        TokenLabels.Problem(label, 32).ShouldBe("TokenCare.Rename.Reserved");

    [Theory]
    [InlineData("Novak26")]
    [InlineData("CC")]
    [InlineData("Jan (work)")]
    public void Ordinary_labels_pass(string label) => TokenLabels.Problem(label, 32).ShouldBeNull();
}
