namespace Qtsp.Portal.Ca;

/// <summary>
/// The holder as the RA verified them. <see cref="SerialNumber"/> is the EN 319 412-1 semantic identifier
/// ("PNOCZ-8001011234": type, country, hyphen, number).
/// </summary>
public sealed record CertificateSubject(
    string GivenName,
    string Surname,
    string CommonName,
    string Country,
    string? SerialNumber,
    string? Email);
