using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca;

/// <summary>A CA that signs: its public name (the file names it is published under), its certificate and its signer.</summary>
public sealed record IssuingCa(string Name, X509Certificate2 Certificate, X509SignatureGenerator Signer);
