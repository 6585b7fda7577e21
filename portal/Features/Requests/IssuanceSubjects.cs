using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Requests;

/// <summary>The certificate subject of an applicant, as the RA recorded them.</summary>
public static class IssuanceSubjects
{
    public const string Country = "CZ";

    public static CertificateSubject For(Applicant applicant, string? subjectSerialNumber, string? email)
    {
        ArgumentNullException.ThrowIfNull(applicant);
        return new CertificateSubject(applicant.FirstName, applicant.LastName, applicant.DisplayName, Country,
            SerialNumberFor(applicant, subjectSerialNumber), string.IsNullOrWhiteSpace(email) ? applicant.Email : email);
    }

    /// <summary>
    /// The EN 319 412-1 semantics identifier: the one fixed at the identity check, else the applicant's national personal
    /// number ("PNOCZ-8001011234", the birth number without its slash); null when neither is known.
    /// </summary>
    public static string? SerialNumberFor(Applicant applicant, string? subjectSerialNumber)
    {
        ArgumentNullException.ThrowIfNull(applicant);
        if (!string.IsNullOrWhiteSpace(subjectSerialNumber))
        {
            return subjectSerialNumber;
        }

        var personal = applicant.PersonalIdentifier?.Replace("/", "", StringComparison.Ordinal).Trim();
        return string.IsNullOrEmpty(personal) ? null : $"PNO{Country}-{personal.ToUpperInvariant()}";
    }

    /// <summary>A certificate's subject serialNumber attribute (2.5.4.5), when it has one: the person's semantics identifier.</summary>
    public static string? SerialNumberOf(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(n => n.GetSingleElementType().Value == "2.5.4.5")
            .Select(n => n.GetSingleElementValue())
            .FirstOrDefault();
    }

    /// <summary>The identifier an identity document gives (EN 319 412-1: IDC for identity cards, PAS for passports).</summary>
    public static string FromDocument(IdentityDocumentType type, string country, string number) =>
        $"{(type == IdentityDocumentType.Passport ? "PAS" : "IDC")}{country.ToUpperInvariant()}-{number.ToUpperInvariant()}";
}
