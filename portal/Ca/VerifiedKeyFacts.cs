namespace Qtsp.Portal.Ca;

/// <summary>What the portal verified about the request's key before asking for a certificate.</summary>
/// <param name="KeyOnQscd">
/// Generated on a device whose QSCD certification is valid at issuance, and the request attested by the service key
/// registered for that device.
/// </param>
/// <param name="KeyOnSecureDevice">Generated on a secure device (token or card) the CA knows.</param>
/// <param name="FromPkcs12Import">The key came in a PKCS#12 file: it existed outside any device.</param>
public sealed record VerifiedKeyFacts(bool KeyOnQscd, bool KeyOnSecureDevice, bool FromPkcs12Import);
