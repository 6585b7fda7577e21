namespace Qtsp.Portal.Ca;

public enum CertificateProfile
{
    /// <summary>Qualified certificate for electronic signatures of a natural person (EN 319 412-2, QCP-n / QCP-n-qscd).</summary>
    QualifiedNaturalPerson,

    /// <summary>Commercial personal certificate (NCP / NCP+), e-mail protection and client authentication.</summary>
    Commercial,
}
