using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca.Profiles;

/// <summary>The extensions each profile puts into an end-entity certificate, besides those every certificate has.</summary>
internal static class ProfileExtensions
{
    public static IEnumerable<X509Extension> For(IssuanceRequest request, IssuedKeyKind keyKind, CaOptions options)
    {
        var facts = request.Facts;
        switch (request.Profile)
        {
            case CertificateProfile.QualifiedNaturalPerson:
                yield return new X509KeyUsageExtension(X509KeyUsageFlags.NonRepudiation, critical: true);
                yield return CertificatePoliciesExtension.Create(
                    facts.KeyOnQscd ? Oids.QcpNaturalPersonQscd : Oids.QcpNaturalPerson, options.PolicyOid, options.PolicyNotice);
                yield return QcStatementsExtension.ForNaturalPersonSignature(facts.KeyOnQscd, options.PdsCzech, options.PdsEnglish);
                break;

            case CertificateProfile.Commercial:
                var usage = X509KeyUsageFlags.DigitalSignature | (keyKind == IssuedKeyKind.Rsa ? X509KeyUsageFlags.KeyEncipherment : 0);
                yield return new X509KeyUsageExtension(usage, critical: true);
                yield return new X509EnhancedKeyUsageExtension([new(Oids.EmailProtection), new(Oids.ClientAuthentication)], critical: false);
                yield return CertificatePoliciesExtension.Create(facts.KeyOnSecureDevice ? Oids.NcpPlus : Oids.Ncp, options.PolicyOid, options.PolicyNotice);
                break;

            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Profile, "unknown profile");
        }

        if (request.Subject.Email is { } email)
        {
            var alternativeNames = new SubjectAlternativeNameBuilder();
            alternativeNames.AddEmailAddress(email);
            yield return alternativeNames.Build();
        }
    }
}
