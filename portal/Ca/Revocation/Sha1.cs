using System.Security.Cryptography;

namespace Qtsp.Portal.Ca.Revocation;

/// <summary>
/// SHA-1 where the protocols name it as an identifier, never for a signature: RFC 6960 ResponderID byKey and CertIDs
/// (which relying parties such as openssl send with SHA-1 by default), RFC 5280 §4.2.1.2 key identifiers.
/// </summary>
internal static class Sha1
{
#pragma warning disable CA5350 // an identifier the RFCs define with SHA-1, not a security function
    public static byte[] Of(byte[] data) => SHA1.HashData(data);
#pragma warning restore CA5350
}
