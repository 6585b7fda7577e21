using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Proof of possession for signing in with the token: an authentication key of the standard area signs the page's
/// origin and nonce (<see cref="ChallengeSigned.SignedValue"/>). Nothing else: no caller-chosen bytes, no service key,
/// no qualified key (those sign documents, in an operation whose dialog shows what is signed).
/// </summary>
internal static class ChallengeOperations
{
    public const int MinNonceLength = 32;
    public const int MaxNonceLength = 128;

    public static ChallengeSigned Sign(DeviceTarget target, ChallengeSignature command, OperationScope scope)
    {
        using var pin = new Secret(command.Pin);
        if (command.Nonce is not { Length: >= MinNonceLength and <= MaxNonceLength } || !TryParseId(command.KeyIdHex, out var keyId))
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        using var session = AreaAccess.Open(target, AreaKind.Standard, readWrite: false);
        using var login = AreaAccess.LogIn(target, session, AreaKind.Standard, CKU.CKU_USER, pin, command.ConfirmFinalTry, scope);
        var objects = TokenReader.ReadObjects(session);
        var key = objects.FirstOrDefault(o => o.Class == CKO.CKO_PRIVATE_KEY && o.Id.AsSpan().SequenceEqual(keyId))
            ?? throw AreaAccess.Refused(AgentErrorCode.KeyNotOnDevice);
        using var certificate = AuthenticationCertificate(objects, key);

        var publicKey = objects.FirstOrDefault(o => o.Class == CKO.CKO_PUBLIC_KEY && o.Id.AsSpan().SequenceEqual(keyId)) ?? key;
        var signer = new TokenSigner(session, key.Handle, (CKK?)AttributeValue.Ulong(key[CKA.CKA_KEY_TYPE]) ?? CKK.CKK_RSA, KeyMaterial.ReadPublicKey(session, publicKey.Handle), perSignaturePin: null);
        var signature = signer.SignData(ChallengeSigned.SignedValue(scope.Caller.Origin, command.Nonce), HashAlgorithmName.SHA256);
        return new ChallengeSigned(signature, signer.AlgorithmName(HashAlgorithmName.SHA256), scope.Caller.Origin, certificate.RawData);
    }

    /// <summary>
    /// The key's certificate, when the key may answer challenges: not the service key, not a key that wants its PIN at
    /// every signature, and certified for digital signatures by a certificate that is not qualified.
    /// </summary>
    private static X509Certificate2 AuthenticationCertificate(IReadOnlyList<TokenObject> objects, TokenObject key)
    {
        if (ServiceKey.IsProtected(key, ServiceKey.ProtectedIds(objects)) || AttributeValue.Bool(key[CKA.CKA_ALWAYS_AUTHENTICATE]) == true)
        {
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        var der = objects.Where(o => o.Class == CKO.CKO_CERTIFICATE && o.Id.AsSpan().SequenceEqual(key.Id)).Select(o => o[CKA.CKA_VALUE]).FirstOrDefault(v => v is { Length: > 0 })
            ?? throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages;
        if (ObjectClassifier.QcStatements(certificate).Qualified || (usage is { } flags && !flags.HasFlag(X509KeyUsageFlags.DigitalSignature)))
        {
            certificate.Dispose();
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        return certificate;
    }

    /// <summary>A CKA_ID the caller names in hex: 1–128 bytes, nothing but hex digits; false for anything else.</summary>
    internal static bool TryParseId(string? hex, out byte[] id)
    {
        id = [];
        if (string.IsNullOrEmpty(hex) || hex.Length > 256 || hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        id = Convert.FromHexString(hex);
        return true;
    }
}
