using System.Net.Mail;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Qtsp.Portal.Ca.Profiles;

/// <summary>Checks a <see cref="CertificateSubject"/> for a profile and turns it into the certificate's subject name.</summary>
internal static partial class SubjectNames
{
    private const int MaxAttributeLength = 64; // ub-name and ub-common-name of RFC 5280

    public static bool IsValidFor(CertificateSubject subject, CertificateProfile profile)
    {
        if (!IsName(subject.CommonName) || !CountryCode().IsMatch(subject.Country))
        {
            return false;
        }

        return profile switch
        {
            CertificateProfile.QualifiedNaturalPerson =>
                IsName(subject.GivenName) && IsName(subject.Surname) && subject.SerialNumber is { } serial && SemanticSerialNumber().IsMatch(serial)
                && (subject.Email is null || IsEmail(subject.Email)),
            CertificateProfile.Commercial =>
                subject.Email is { } email && IsEmail(email)
                && (subject.SerialNumber is null || SemanticSerialNumber().IsMatch(subject.SerialNumber)),
            _ => false,
        };
    }

    /// <summary>C, SN, GN, serialNumber, CN in the encoding; X500DistinguishedNameBuilder encodes the last added first.</summary>
    public static X500DistinguishedName Build(CertificateSubject subject)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(subject.CommonName);
        if (subject.SerialNumber is { } serial)
        {
            name.Add(Oids.SerialNumber, serial, System.Formats.Asn1.UniversalTagNumber.PrintableString);
        }

        if (IsName(subject.GivenName))
        {
            name.Add(Oids.GivenName, subject.GivenName);
        }

        if (IsName(subject.Surname))
        {
            name.Add(Oids.Surname, subject.Surname);
        }

        name.AddCountryOrRegion(subject.Country);
        return name.Build();
    }

    private static bool IsName(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= MaxAttributeLength && value.Trim() == value && !value.Any(char.IsControl);

    private static bool IsEmail(string value) =>
        value.Length <= 254 && MailAddress.TryCreate(value, out var address) && address.Address == value && value.All(char.IsAscii);

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryCode();

    /// <summary>EN 319 412-1 5.1.3: a type (passport, identity card, national personal number, tax), a country, a hyphen, the number.</summary>
    [GeneratedRegex("^(PAS|IDC|PNO|TAX|TIN)[A-Z]{2}-[A-Za-z0-9]{1,50}$")]
    private static partial Regex SemanticSerialNumber();
}
