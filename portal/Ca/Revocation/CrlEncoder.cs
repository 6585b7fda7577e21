using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Ca.Revocation;

/// <summary>One revoked certificate as a CRL lists it.</summary>
public readonly record struct CrlEntry(string SerialNumberHex, DateTime RevokedAtUtc, RevocationReason? Reason, DateTime? InvalidityDateUtc);

/// <summary>
/// Writes a v2 CRL (RFC 5280 §5) with AsnWriter and has the CA's signer sign it: entries with reasonCode (left out for
/// unspecified, as §5.3.1 recommends) and invalidityDate; the CRL with authorityKeyIdentifier and cRLNumber. .NET's
/// CertificateRevocationListBuilder has no invalidityDate, hence this.
/// </summary>
public static class CrlEncoder
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";
    private const string CrlNumberOid = "2.5.29.20";
    private const string ReasonCodeOid = "2.5.29.21";
    private const string InvalidityDateOid = "2.5.29.24";

    public static byte[] Encode(IssuingCa ca, long number, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, IEnumerable<CrlEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(entries);
        var hash = CaKeyFacts.HashFor(ca.Certificate);
        var algorithm = ca.Signer.GetSignatureAlgorithmIdentifier(hash);
        // AsnWriter grows its buffer a kilobyte at a time: a CRL of 100,000 entries needs its size up front (~50 bytes an entry).
        var tbs = new AsnWriter(AsnEncodingRules.DER, initialCapacity: 1024 + (entries.TryGetNonEnumeratedCount(out var count) ? count * 56 : 64 * 1024));
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(1); // v2
            tbs.WriteEncodedValue(algorithm);
            tbs.WriteEncodedValue(ca.Certificate.SubjectName.RawData);
            WriteTime(tbs, thisUpdate);
            WriteTime(tbs, nextUpdate);
            var any = false;
            foreach (var entry in entries)
            {
                if (!any)
                {
                    tbs.PushSequence();
                    any = true;
                }

                WriteEntry(tbs, entry);
            }

            if (any)
            {
                tbs.PopSequence();
            }

            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (tbs.PushSequence())
            {
                using (tbs.PushSequence())
                {
                    tbs.WriteObjectIdentifier(AuthorityKeyIdentifierOid);
                    var aki = new AsnWriter(AsnEncodingRules.DER);
                    using (aki.PushSequence())
                    {
                        aki.WriteOctetString(CaKeyFacts.KeyIdentifier(ca.Certificate), new Asn1Tag(TagClass.ContextSpecific, 0));
                    }

                    tbs.WriteOctetString(aki.Encode());
                }

                using (tbs.PushSequence())
                {
                    tbs.WriteObjectIdentifier(CrlNumberOid);
                    var crlNumber = new AsnWriter(AsnEncodingRules.DER);
                    crlNumber.WriteInteger(number);
                    tbs.WriteOctetString(crlNumber.Encode());
                }
            }
        }

        var toBeSigned = tbs.Encode();
        var signature = ca.Signer.SignData(toBeSigned, hash);
        var crl = new AsnWriter(AsnEncodingRules.DER, initialCapacity: toBeSigned.Length + signature.Length + 64);
        using (crl.PushSequence())
        {
            crl.WriteEncodedValue(toBeSigned);
            crl.WriteEncodedValue(algorithm);
            crl.WriteBitString(signature);
        }

        return crl.Encode();
    }

    private static void WriteEntry(AsnWriter writer, CrlEntry entry)
    {
        using (writer.PushSequence())
        {
            writer.WriteInteger(Convert.FromHexString(entry.SerialNumberHex));
            WriteTime(writer, new DateTimeOffset(DateTime.SpecifyKind(entry.RevokedAtUtc, DateTimeKind.Utc)));
            var reason = entry.Reason is { } r && r != RevocationReason.Unspecified ? r : (RevocationReason?)null;
            if (reason is null && entry.InvalidityDateUtc is null)
            {
                return;
            }

            using (writer.PushSequence())
            {
                if (reason is { } code)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(ReasonCodeOid);
                        var value = new AsnWriter(AsnEncodingRules.DER);
                        value.WriteEnumeratedValue(code);
                        writer.WriteOctetString(value.Encode());
                    }
                }

                if (entry.InvalidityDateUtc is { } invalidity)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(InvalidityDateOid);
                        var value = new AsnWriter(AsnEncodingRules.DER);
                        value.WriteGeneralizedTime(new DateTimeOffset(DateTime.SpecifyKind(invalidity, DateTimeKind.Utc)), omitFractionalSeconds: true);
                        writer.WriteOctetString(value.Encode());
                    }
                }
            }
        }
    }

    /// <summary>RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050; whole seconds.</summary>
    internal static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        var seconds = new DateTimeOffset(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        if (seconds.Year < 2050)
        {
            writer.WriteUtcTime(seconds, twoDigitYearMax: 2049);
        }
        else
        {
            writer.WriteGeneralizedTime(seconds, omitFractionalSeconds: true);
        }
    }
}
