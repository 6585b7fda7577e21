using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Shared.Bridge;

/// <summary>
/// What the CA's service key on a device vouches for: this request (by SHA-256), made now, for this portal nonce,
/// on the device with this serial. Encoded as DER SEQUENCE { version INTEGER (1), requestSha256 OCTET STRING,
/// nonce OCTET STRING, deviceSerial UTF8String, signedAt GeneralizedTime }.
/// </summary>
public sealed record AttestationStatement(byte[] RequestSha256, byte[] Nonce, string DeviceSerial, DateTimeOffset SignedAt)
{
    public const int Version = 1;

    public byte[] Encode()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(Version);
            writer.WriteOctetString(RequestSha256);
            writer.WriteOctetString(Nonce);
            writer.WriteCharacterString(UniversalTagNumber.UTF8String, DeviceSerial);
            writer.WriteGeneralizedTime(SignedAt, omitFractionalSeconds: true);
        }

        return writer.Encode();
    }

    public static AttestationStatement Decode(byte[] encoded)
    {
        var reader = new AsnReader(encoded, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        if (!sequence.TryReadInt32(out var version) || version != Version)
        {
            throw new CryptographicException("Unknown attestation version.");
        }

        var statement = new AttestationStatement(
            sequence.ReadOctetString(),
            sequence.ReadOctetString(),
            sequence.ReadCharacterString(UniversalTagNumber.UTF8String),
            sequence.ReadGeneralizedTime());
        sequence.ThrowIfNotEmpty();
        return statement;
    }

    /// <summary>
    /// Checks an attestation as the portal must: signed by the service key registered for the device, about exactly
    /// this request, for the nonce the portal issued, naming the device's serial.
    /// </summary>
    public static bool Verify(ServiceKeyAttestation attestation, PublicKey serviceKey, byte[] request, byte[] nonce, string deviceSerial)
    {
        AttestationStatement statement;
        try
        {
            statement = Decode(attestation.Statement);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            return false;
        }

        var about = statement.RequestSha256.AsSpan().SequenceEqual(SHA256.HashData(request))
            && CryptographicOperations.FixedTimeEquals(statement.Nonce, nonce)
            && statement.DeviceSerial == deviceSerial;
        return about && SignatureValid(attestation, serviceKey);
    }

    private static bool SignatureValid(ServiceKeyAttestation attestation, PublicKey serviceKey) =>
        BridgeSignatures.Verify(serviceKey, attestation.SignatureAlgorithm, attestation.Statement, attestation.Signature);
}
