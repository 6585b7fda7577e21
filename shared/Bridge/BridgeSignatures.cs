using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Shared.Bridge;

/// <summary>
/// Checks a signature a device made through the agent, named as the agent names its algorithms ("RSA-PKCS1-SHA256",
/// "ECDSA-SHA256"; ECDSA values DER-encoded as X.509 wants them). The name must match the key: an RSA key never
/// verifies under an ECDSA name or the other way round.
/// </summary>
public static class BridgeSignatures
{
    public static bool Verify(PublicKey key, string? algorithm, byte[] data, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (algorithm is null || data is null || signature is null)
        {
            return false;
        }

        var hash = algorithm.EndsWith("SHA384", StringComparison.Ordinal) ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
        try
        {
            using var rsa = key.GetRSAPublicKey();
            if (rsa is not null)
            {
                return algorithm.StartsWith("RSA-PKCS1", StringComparison.Ordinal)
                    && rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
            }

            using var ecdsa = key.GetECDsaPublicKey();
            return ecdsa is not null
                && algorithm.StartsWith("ECDSA", StringComparison.Ordinal)
                && ecdsa.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false; // a key the platform cannot use, or a signature that is not even well-formed
        }
    }
}
