using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca.Profiles;

/// <summary>certificatePolicies (RFC 5280 4.2.1.4): the ETSI policy, then the provider's own with its user notice.</summary>
internal static class CertificatePoliciesExtension
{
    public static X509Extension Create(string etsiPolicy, string providerPolicy, string providerNotice)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(etsiPolicy);
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(providerPolicy);
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(Oids.UserNotice);
                        using (writer.PushSequence())
                        {
                            // UserNotice { explicitText }: UTF8String, as RFC 5280 recommends for new certificates.
                            writer.WriteCharacterString(UniversalTagNumber.UTF8String, providerNotice);
                        }
                    }
                }
            }
        }

        return new X509Extension("2.5.29.32", writer.Encode(), critical: false);
    }
}
