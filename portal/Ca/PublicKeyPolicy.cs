using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca;

/// <summary>
/// Decides whether a SubjectPublicKeyInfo may be certified. It is read with an ASN.1 reader rather than handed to the
/// platform's crypto first, so that a curve the platform happens to support (P-192, brainpool) is still refused by rule.
/// </summary>
public static class PublicKeyPolicy
{
    public const int MinimumRsaBits = 2048;

    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string EcPublicKey = "1.2.840.10045.2.1";
    private const string P256 = "1.2.840.10045.3.1.7";
    private const string P384 = "1.3.132.0.34";

    public static PublicKeyCheck Check(ReadOnlyMemory<byte> subjectPublicKeyInfo)
    {
        try
        {
            var reader = new AsnReader(subjectPublicKeyInfo, AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var algorithm = info.ReadSequence();
            var keyBits = info.ReadBitString(out var unusedBits);
            info.ThrowIfNotEmpty();
            if (unusedBits != 0)
            {
                return PublicKeyCheck.Refused(IssuanceRefusalReason.MalformedPublicKey);
            }

            var result = algorithm.ReadObjectIdentifier() switch
            {
                RsaEncryption => CheckRsa(algorithm, keyBits),
                EcPublicKey => CheckEc(algorithm, keyBits),
                _ => PublicKeyCheck.Refused(IssuanceRefusalReason.UnsupportedKeyAlgorithm),
            };
            return result.Refusal is null
                ? result with { Key = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo.Span, out _) }
                : result;
        }
        catch (Exception exception) when (exception is AsnContentException or CryptographicException)
        {
            return PublicKeyCheck.Refused(IssuanceRefusalReason.MalformedPublicKey);
        }
    }

    private static PublicKeyCheck CheckRsa(AsnReader algorithm, byte[] keyBits)
    {
        if (algorithm.HasData)
        {
            algorithm.ReadNull();
        }

        var rsaKey = new AsnReader(keyBits, AsnEncodingRules.DER);
        var sequence = rsaKey.ReadSequence();
        rsaKey.ThrowIfNotEmpty();
        var modulus = sequence.ReadInteger();
        var exponent = sequence.ReadInteger();
        sequence.ThrowIfNotEmpty();
        if (modulus.Sign <= 0 || exponent.Sign <= 0 || exponent.IsEven)
        {
            return PublicKeyCheck.Refused(IssuanceRefusalReason.MalformedPublicKey);
        }

        return modulus.GetBitLength() < MinimumRsaBits || exponent < 65537
            ? PublicKeyCheck.Refused(IssuanceRefusalReason.WeakRsaKey)
            : new PublicKeyCheck(null, IssuedKeyKind.Rsa, null);
    }

    private static PublicKeyCheck CheckEc(AsnReader algorithm, byte[] keyBits)
    {
        if (algorithm.PeekTag() != Asn1Tag.ObjectIdentifier)
        {
            return PublicKeyCheck.Refused(IssuanceRefusalReason.UnsupportedCurve); // explicit parameters are never accepted
        }

        var (kind, pointLength) = algorithm.ReadObjectIdentifier() switch
        {
            P256 => (IssuedKeyKind.EcP256, 65),
            P384 => (IssuedKeyKind.EcP384, 97),
            _ => (IssuedKeyKind.Rsa, 0),
        };
        algorithm.ThrowIfNotEmpty();
        if (pointLength == 0)
        {
            return PublicKeyCheck.Refused(IssuanceRefusalReason.UnsupportedCurve);
        }

        // Uncompressed points only: what tokens produce, and what every relying party can read.
        return keyBits.Length == pointLength && keyBits[0] == 0x04
            ? new PublicKeyCheck(null, kind, null)
            : PublicKeyCheck.Refused(IssuanceRefusalReason.MalformedPublicKey);
    }
}

public enum IssuedKeyKind
{
    Rsa,
    EcP256,
    EcP384,
}

/// <summary>The verdict on a public key: <see cref="Key"/> when accepted, <see cref="Refusal"/> otherwise.</summary>
public sealed record PublicKeyCheck(PublicKey? Key, IssuedKeyKind Kind, IssuanceRefusalReason? Refusal)
{
    public static PublicKeyCheck Refused(IssuanceRefusalReason reason) => new(null, IssuedKeyKind.Rsa, reason);
}
