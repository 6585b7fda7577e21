using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Qtsp.Portal.Ca.Pkcs11;

namespace Qtsp.Portal.Ca;

/// <summary>The root and the two issuing CAs, found on the token and in the certificate store, or created at the first start.</summary>
internal sealed partial class CaHierarchy(CaToken token, CaCertificateStore store, CaOptions options, PkiOptions pki, TimeProvider time, ILogger logger)
{
    public static readonly IReadOnlyList<string> AllNames = [CaNames.Root, CaNames.Qualified, CaNames.Commercial];

    public IssuingCa Root { get; private set; } = null!;

    public IssuingCa Qualified { get; private set; } = null!;

    public IssuingCa Commercial { get; private set; } = null!;

    /// <summary>The CKA_ID and CKA_LABEL of a CA's key pair on the token.</summary>
    public static byte[] KeyId(string caName) => Encoding.ASCII.GetBytes("qtsp:" + caName);

    /// <summary>
    /// Under the creation lock: a CA whose certificate is stored must have its key on the token (otherwise the start
    /// fails — a new key would be a new CA nobody trusts yet); a CA without a certificate is created, reusing a key an
    /// interrupted creation left on the token (it has never signed anything).
    /// </summary>
    public void LoadOrCreate()
    {
        var rootCertificate = store.Find(CaNames.Root);
        if (rootCertificate is null && store.Any(AllNames.Skip(1)))
        {
            throw new CaStartupException($"The issuing CA certificates are stored but the root CA certificate ({CaNames.Root}) is not: restore it, the CA is not created anew.");
        }

        var rootKey = KeyFor(CaNames.Root, rootCertificate, options.RootKey);
        var rootSigner = new TokenSignatureGenerator(rootKey);
        if (rootCertificate is null)
        {
            rootCertificate = CaCertificateFactory.CreateRoot(options, rootSigner, rootKey.Type, time.GetUtcNow());
            store.Save(CaNames.Root, rootCertificate);
            LogCreated(logger, CaNames.Root, rootCertificate.Subject, rootCertificate.Thumbprint);
        }

        Root = new IssuingCa(CaNames.Root, rootCertificate, rootSigner);
        Qualified = LoadOrCreateIssuing(CaNames.Qualified, "Qualified CA", rootKey.Type);
        Commercial = LoadOrCreateIssuing(CaNames.Commercial, "Commercial CA", rootKey.Type);
    }

    private IssuingCa LoadOrCreateIssuing(string name, string commonNameSuffix, CaKeyType rootKeyType)
    {
        var certificate = store.Find(name);
        var key = KeyFor(name, certificate, options.IssuingKey);
        if (certificate is null)
        {
            certificate = CaCertificateFactory.CreateIssuing(options, pki, commonNameSuffix, key.PublicKey, Root, rootKeyType, time.GetUtcNow());
            store.Save(name, certificate);
            LogCreated(logger, name, certificate.Subject, certificate.Thumbprint);
        }
        else
        {
            LogFound(logger, name, certificate.Thumbprint);
        }

        return new IssuingCa(name, certificate, new TokenSignatureGenerator(key));
    }

    private TokenKey KeyFor(string caName, X509Certificate2? certificate, CaKeyType typeForNewKey)
    {
        var id = KeyId(caName);
        var key = token.FindKey(id);
        if (certificate is null)
        {
            return key ?? token.GenerateKey(id, Encoding.ASCII.GetString(id), typeForNewKey);
        }

        if (key is null)
        {
            throw new CaStartupException(
                $"The CA certificate of {caName} is stored but its private key (CKA_ID '{Encoding.ASCII.GetString(id)}') is not on the token '{token.Label}'. " +
                "Restore the token; the portal does not create a new CA in place of an existing one.");
        }

        if (!certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new CaStartupException($"The key of {caName} on the token '{token.Label}' is not the key of its stored certificate.");
        }

        return key;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CA {CaName} created: {Subject}, SHA-1 {Thumbprint}")]
    private static partial void LogCreated(ILogger logger, string caName, string subject, string thumbprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "CA {CaName} found on the token, certificate SHA-1 {Thumbprint}")]
    private static partial void LogFound(ILogger logger, string caName, string thumbprint);
}
