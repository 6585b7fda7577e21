namespace Qtsp.Portal.Ca;

/// <summary>Section "Ca": the embedded CA's token, keys, names and policy.</summary>
public sealed class CaOptions
{
    public const string Section = "Ca";

    /// <summary>
    /// An example arc (1.3.6.1.4.1.99999 is not assigned to this provider): a real deployment configures its own
    /// registered enterprise number's policy OID here.
    /// </summary>
    public const string ExamplePolicyOid = "1.3.6.1.4.1.99999.1.1";

    public CaPkcs11Options Pkcs11 { get; set; } = new();

    public CaKeyType RootKey { get; set; } = CaKeyType.EcP384;

    public CaKeyType IssuingKey { get; set; } = CaKeyType.EcP256;

    /// <summary>The organisation named in the CA certificates' subjects.</summary>
    public string Organization { get; set; } = "Example QTSP s.r.o. (TEST)";

    /// <summary>EN 319 412-1 organizationIdentifier of the provider.</summary>
    public string OrganizationIdentifier { get; set; } = "NTRCZ-00000000";

    public string Country { get; set; } = "CZ";

    /// <summary>Prefix of the CA common names: "{prefix} Root CA", "{prefix} Qualified CA", "{prefix} Commercial CA".</summary>
    public string CommonNamePrefix { get; set; } = "Example QTSP TEST";

    public int RootValidityYears { get; set; } = 20;

    public int IssuingValidityYears { get; set; } = 10;

    /// <summary>The provider's own certificate policy, added to every end-entity certificate with a Czech user notice.</summary>
    public string PolicyOid { get; set; } = ExamplePolicyOid;

    public string PolicyNotice { get; set; } = "Certifikát vydaný podle certifikační politiky poskytovatele; podmínky na adrese uvedené v PDS.";

    /// <summary>PKI Disclosure Statements (QcPDS), Czech and English.</summary>
    public Uri PdsCzech { get; set; } = new("https://qtsp.invalid/pds/pds-cs.pdf");

    public Uri PdsEnglish { get; set; } = new("https://qtsp.invalid/pds/pds-en.pdf");

    /// <summary>The longest end-entity validity the CA signs.</summary>
    public int MaxValidityDays { get; set; } = 3 * 366;

    /// <summary>How long a starting instance waits for another one that is creating the CAs.</summary>
    public TimeSpan CreationLockTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Section "Ca:Pkcs11": where the CA's private keys live.</summary>
public sealed class CaPkcs11Options
{
    public const string SoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

    public string Module { get; set; } = SoftHsmModule;

    public string TokenLabel { get; set; } = "qtsp-ca";

    /// <summary>The token's user PIN, from configuration or a secret store; never logged nor put into an exception.</summary>
    public string? Pin { get; set; }
}

/// <summary>Section "Pki": where the public PKI files (CA certificates, CRLs, OCSP) are published.</summary>
public sealed class PkiOptions
{
    public const string Section = "Pki";

    public Uri PublicBaseUrl { get; set; } = new("http://127.0.0.1:5180");

    /// <summary>A CRL's nextUpdate is this long after its thisUpdate.</summary>
    public TimeSpan CrlValidity { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The scheduled refresh publishes a new CRL when less than this is left until its nextUpdate.</summary>
    public TimeSpan CrlRefreshBefore { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often every instance looks (under the job lease) for CRLs due for a refresh.</summary>
    public TimeSpan CrlCheckInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest max-age a CRL is served with (never beyond its nextUpdate).</summary>
    public TimeSpan CrlCacheMaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Validity of a delegated OCSP responder certificate.</summary>
    public TimeSpan OcspResponderValidity { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A responder certificate with less than this left is replaced by a new key and certificate.</summary>
    public TimeSpan OcspResponderRenewBefore { get; set; } = TimeSpan.FromDays(7);

    /// <summary>An OCSP response's nextUpdate is this long after its thisUpdate (the answer itself is read live).</summary>
    public TimeSpan OcspResponseValidity { get; set; } = TimeSpan.FromMinutes(10);
}

public enum CaKeyType
{
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcP256,
    EcP384,
}
