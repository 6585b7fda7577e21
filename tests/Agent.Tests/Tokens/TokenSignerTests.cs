using System.Formats.Asn1;
using System.Security.Cryptography;
using Qtsp.Agent.Tokens.Operations;

namespace Qtsp.Agent.Tests.Tokens;

/// <summary>ECDSA signatures as PKCS#11 returns them (fixed-width r||s) turned into DER for X.509 and CMS.</summary>
public sealed class TokenSignerTests
{
    [Fact]
    public void Short_r_and_s_are_encoded_as_minimal_der_integers_that_verify()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var seen = 0;
        for (var i = 0; i < 5000 && seen < 3; i++)
        {
            var data = BitConverter.GetBytes(i);
            var raw = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            if (raw[0] != 0 && raw[32] != 0)
            {
                continue; // only the signatures whose r or s has a leading zero byte test anything
            }

            seen++;
            var der = Qtsp.Shared.Crypto.EcdsaSignatureEncoding.ToDer(raw);

            var sequence = new AsnReader(der, AsnEncodingRules.DER).ReadSequence(); // strict DER: a redundant zero throws
            sequence.ReadInteger();
            sequence.ReadInteger();
            key.VerifyData(data, der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).ShouldBeTrue();
            der.ShouldBe(ReEncode(raw));
        }

        seen.ShouldBeGreaterThan(0, "about one signature in 128 has a short r or s");
    }

    [Fact]
    public void A_zero_padded_value_keeps_one_byte_and_a_high_bit_gets_its_sign_byte()
    {
        var raw = new byte[64];
        raw[31] = 0x05;
        raw[32] = 0x80;

        var der = Qtsp.Shared.Crypto.EcdsaSignatureEncoding.ToDer(raw);

        der[..7].ShouldBe(new byte[] { 0x30, 0x26, 0x02, 0x01, 0x05, 0x02, 0x21 });
        der[7..9].ShouldBe(new byte[] { 0x00, 0x80 });
    }

    /// <summary>The framework's own conversion of r||s to DER, as the reference.</summary>
    private static byte[] ReEncode(byte[] raw)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new System.Numerics.BigInteger(raw.AsSpan(0, 32), isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new System.Numerics.BigInteger(raw.AsSpan(32), isUnsigned: true, isBigEndian: true));
        }

        return writer.Encode();
    }
}
