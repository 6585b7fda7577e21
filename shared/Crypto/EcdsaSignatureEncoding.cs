using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Qtsp.Shared.Crypto;

/// <summary>
/// PKCS#11 returns an ECDSA signature as r||s, each zero-padded to the field size; X.509, CMS and the attestation want
/// SEQUENCE { INTEGER r, INTEGER s } with minimal integers (about one signature in 128 has a short r or s).
/// One encoder for the agent's device signatures and the CA's token signatures.
/// </summary>
public static class EcdsaSignatureEncoding
{
    public static byte[] ToDer(byte[] raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.Length == 0 || raw.Length % 2 != 0)
        {
            throw new CryptographicException("The token returned an ECDSA signature of odd length.");
        }

        var half = raw.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(0, half)));
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(half)));
        }

        return writer.Encode();
    }

    private static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> unsigned)
    {
        var start = 0;
        while (start < unsigned.Length - 1 && unsigned[start] == 0)
        {
            start++;
        }

        return unsigned[start..];
    }
}
