namespace Qtsp.Portal.Features.Token;

/// <summary>The certificate (its record) a reminder's renewal link chose: My token marks its Renew action.</summary>
public sealed record RenewalChoice(long CertificateId, string SerialNumber, DateTime NotAfterUtc);
