using System.Security.Cryptography;
using System.Text;
using Qtsp.Shared.Bridge;

namespace Qtsp.Shared.Tests.Bridge;

/// <summary>What the agent signs for a challenge, the same on both sides (Web eID's form).</summary>
public sealed class ChallengeSignedTests
{
    [Fact]
    public void The_signed_value_is_the_hash_of_the_origin_then_the_hash_of_the_nonce()
    {
        var nonce = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        var value = ChallengeSigned.SignedValue("https://portal.example", nonce);

        value.Length.ShouldBe(64);
        value[..32].ShouldBe(SHA256.HashData(Encoding.UTF8.GetBytes("https://portal.example")));
        value[32..].ShouldBe(SHA256.HashData(nonce));
        Convert.ToHexStringLower(value[32..]).ShouldBe("630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd");
        ChallengeSigned.SignedValue("https://portal.example:443", nonce).ShouldNotBe(value, "the origin is taken as the page's Origin header spells it");
    }
}
