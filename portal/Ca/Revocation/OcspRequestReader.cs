using System.Formats.Asn1;

namespace Qtsp.Portal.Ca.Revocation;

/// <summary>One requested CertID (RFC 6960 §4.1.1), with its DER as received so the response repeats it exactly.</summary>
internal sealed record OcspCertId(ReadOnlyMemory<byte> Encoded, string HashAlgorithm, byte[] IssuerNameHash, byte[] IssuerKeyHash, string SerialNumberHex);

/// <summary>A parsed OCSPRequest: its CertIDs and the nonce extension (DER of the whole Extension) when present.</summary>
internal sealed record OcspRequest(IReadOnlyList<OcspCertId> CertIds, ReadOnlyMemory<byte>? NonceExtension);

/// <summary>Reads an OCSPRequest; anything that is not one (or has trailing data) is malformed.</summary>
internal static class OcspRequestReader
{
    public const string NonceOid = "1.3.6.1.5.5.7.48.1.2";
    private const int MaxCertIds = 50;

    public static OcspRequest? TryRead(ReadOnlyMemory<byte> der)
    {
        try
        {
            return Read(der);
        }
        catch (Exception exception) when (exception is AsnContentException or FormatException)
        {
            return null;
        }
    }

    private static OcspRequest? Read(ReadOnlyMemory<byte> der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var request = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var tbs = request.ReadSequence();
        if (request.HasData)
        {
            _ = request.ReadEncodedValue(); // optionalSignature [0]: signed requests are answered as unsigned ones
        }

        request.ThrowIfNotEmpty();
        var version = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.PeekTag().HasSameClassAndValue(version))
        {
            var explicitVersion = tbs.ReadSequence(version);
            if (!explicitVersion.TryReadInt32(out var v) || v != 0)
            {
                return null;
            }
        }

        if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            _ = tbs.ReadEncodedValue(); // requestorName
        }

        var list = tbs.ReadSequence();
        var certIds = new List<OcspCertId>();
        while (list.HasData)
        {
            var single = list.ReadSequence();
            var encoded = single.ReadEncodedValue();
            if (single.HasData)
            {
                _ = single.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)); // singleRequestExtensions
            }

            single.ThrowIfNotEmpty();
            var certId = new AsnReader(encoded, AsnEncodingRules.DER).ReadSequence();
            var algorithm = certId.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (algorithm.HasData)
            {
                algorithm.ReadNull();
            }

            algorithm.ThrowIfNotEmpty();
            var nameHash = certId.ReadOctetString();
            var keyHash = certId.ReadOctetString();
            var serial = certId.ReadIntegerBytes();
            certId.ThrowIfNotEmpty();
            certIds.Add(new OcspCertId(encoded, oid, nameHash, keyHash, Convert.ToHexString(serial.Span)));
        }

        if (certIds.Count is 0 or > MaxCertIds)
        {
            return null;
        }

        ReadOnlyMemory<byte>? nonce = null;
        if (tbs.HasData)
        {
            var extensions = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 2, isConstructed: true)).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadEncodedValue();
                var fields = new AsnReader(extension, AsnEncodingRules.DER).ReadSequence();
                if (fields.ReadObjectIdentifier() == NonceOid)
                {
                    nonce = extension;
                }
            }
        }

        tbs.ThrowIfNotEmpty();
        return new OcspRequest(certIds, nonce);
    }
}
