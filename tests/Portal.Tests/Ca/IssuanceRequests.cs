using Qtsp.Portal.Ca;

namespace Qtsp.Portal.Tests.Ca;

public static class IssuanceRequests
{
    public static readonly CertificateSubject JanNovak = new("Jan", "Novák", "Jan Novák", "CZ", "PNOCZ-8001011234", "jan.novak@example.test");

    public static IssuanceRequest Qualified(byte[] publicKey, bool keyOnQscd = true, bool fromPkcs12 = false) =>
        new(publicKey, JanNovak, CertificateProfile.QualifiedNaturalPerson, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1),
            new VerifiedKeyFacts(keyOnQscd, KeyOnSecureDevice: keyOnQscd, fromPkcs12));

    public static IssuanceRequest Commercial(byte[] publicKey, bool keyOnSecureDevice = true, bool fromPkcs12 = false) =>
        new(publicKey, JanNovak, CertificateProfile.Commercial, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1),
            new VerifiedKeyFacts(KeyOnQscd: false, keyOnSecureDevice, fromPkcs12));
}
