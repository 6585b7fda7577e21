using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca.Profiles;

/// <summary>
/// The qcStatements extension (RFC 3739: SEQUENCE OF SEQUENCE { statementId, statementInfo OPTIONAL }) of a qualified
/// certificate for a natural person's electronic signature, with the statements of EN 319 412-5 and the semantics
/// identifier of EN 319 412-1.
/// </summary>
internal static class QcStatementsExtension
{
    public static X509Extension ForNaturalPersonSignature(bool keyOnQscd, Uri pdsCzech, Uri pdsEnglish)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Oids.PkixQcSyntaxV2);
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(Oids.SemanticsNaturalPerson);
                }
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Oids.QcCompliance);
            }

            if (keyOnQscd)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(Oids.QcSscd);
                }
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Oids.QcType);
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(Oids.QcTypeEsign);
                }
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Oids.QcPds);
                using (writer.PushSequence())
                {
                    WritePdsLocation(writer, pdsCzech, "cs");
                    WritePdsLocation(writer, pdsEnglish, "en");
                }
            }
        }

        return new X509Extension(Oids.QcStatements, writer.Encode(), critical: false);
    }

    private static void WritePdsLocation(AsnWriter writer, Uri url, string language)
    {
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, url.AbsoluteUri);
            writer.WriteCharacterString(UniversalTagNumber.PrintableString, language);
        }
    }
}
