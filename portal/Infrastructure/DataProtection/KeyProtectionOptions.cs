namespace Qtsp.Portal.Infrastructure.DataProtection;

/// <summary>How the Data Protection key ring (cookies, antiforgery, protected account secrets) is encrypted at rest.</summary>
public enum KeyProtection
{
    /// <summary>With an AES key that never leaves the CA's PKCS#11 token (the default).</summary>
    Token,

    /// <summary>With the certificate given by <see cref="KeyProtectionOptions.CertificatePath"/> or <see cref="KeyProtectionOptions.CertificateThumbprint"/>.</summary>
    Certificate,

    /// <summary>Not at all: allowed only in the Development environment.</summary>
    None,
}

/// <summary>Section "DataProtection": what encrypts the keys stored in the database, so that a copy of it is not enough to forge a sign-in.</summary>
public sealed class KeyProtectionOptions
{
    public const string Section = "DataProtection";

    public const string DefaultTokenKeyLabel = "portal-dp-wrap";

    public KeyProtection KeyProtection { get; set; } = KeyProtection.Token;

    /// <summary>CKA_LABEL of the AES wrapping key on the CA's token (made there, non-extractable, at the first start).</summary>
    public string TokenKeyLabel { get; set; } = DefaultTokenKeyLabel;

    /// <summary>A PKCS#12 file with the certificate and its private key (<see cref="KeyProtection.Certificate"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PKCS#12 file's password, from a secret store; never logged.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Or: the thumbprint of a certificate with its private key in the current user's or the machine's "My" store.</summary>
    public string? CertificateThumbprint { get; set; }
}

/// <summary>The keys cannot be protected as configured: the portal does not start.</summary>
public sealed class KeyProtectionException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
