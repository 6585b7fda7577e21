using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Signs a portal document (<see cref="DocumentSignature"/>) as a detached CMS SignedData with a holder's key and its
/// certificate on the device. Only documents in the portal's own format are signed, so the agent is no signing oracle
/// for caller-chosen bytes; the area's secret is proven on the device every time, and a key that wants its PIN at every
/// signature gets it as the context-specific login. Never the CA's service key.
/// </summary>
internal static class DocumentOperations
{
    private const string DataContentType = "1.2.840.113549.1.7.1";
    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static DocumentSigned Sign(DeviceTarget target, DocumentSignature command, OperationScope scope, TimeProvider time)
    {
        using var pin = new Secret(command.Pin);
        if (!IsAllowedDocument(command.Document, command.DocumentType)
            || !ChallengeOperations.TryParseId(command.CertificateIdHex, out var keyId)
            || !Enum.IsDefined(command.Area)
            || pin.IsEmpty)
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        var registeredServiceKey = command.ServiceKeyPublicKey is null ? null : ServiceKey.ParseRegistered(command.ServiceKeyPublicKey);

        using var session = AreaAccess.Open(target, command.Area, readWrite: false);
        using var login = AreaAccess.LogIn(target, session, command.Area, CKU.CKU_USER, pin, command.ConfirmFinalTry, scope);
        scope.ThrowIfCancelled();
        var (key, keyType, certificate) = FindSigner(session, keyId, registeredServiceKey, time.GetUtcNow());
        using (certificate)
        {
            var perSignature = AttributeValue.Bool(key[CKA.CKA_ALWAYS_AUTHENTICATE]) == true ? pin : null;
            var signer = new TokenSigner(session, key.Handle, keyType, certificate.PublicKey, perSignature);
            using AsymmetricAlgorithm privateKey = keyType == CKK.CKK_RSA
                ? new TokenRsa(signer, certificate)
                : new TokenECDsa(signer, certificate);

            var cms = new SignedCms(new ContentInfo(new Oid(DataContentType), command.Document), detached: true);
            var cmsSigner = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate, privateKey)
            {
                DigestAlgorithm = new Oid(Sha256Oid),
                IncludeOption = X509IncludeOption.EndCertOnly,
            };
            cmsSigner.SignedAttributes.Add(new Pkcs9SigningTime(time.GetUtcNow().UtcDateTime));
            cms.ComputeSignature(cmsSigner, silent: true);

            // What leaves the agent verifies with the certificate it names: a certificate for another key proves nothing.
            var encoded = cms.Encode();
            var check = new SignedCms(new ContentInfo(new Oid(DataContentType), command.Document), detached: true);
            try
            {
                check.Decode(encoded);
                check.CheckSignature(verifySignatureOnly: true);
            }
            catch (CryptographicException)
            {
                throw AreaAccess.Refused(AgentErrorCode.SigningKeyNotFound);
            }

            if (check.SignerInfos.Count != 1 || check.SignerInfos[0].Certificate?.RawData.AsSpan().SequenceEqual(certificate.RawData) != true)
            {
                throw AreaAccess.Refused(AgentErrorCode.SigningKeyNotFound);
            }

            return new DocumentSigned(encoded, Convert.ToHexString(SHA256.HashData(certificate.RawData)));
        }
    }

    /// <summary>
    /// Whether <paramref name="document"/> is one the agent signs: 1 byte to 64 KiB of well-formed UTF-8 text (no control
    /// characters but tab, CR and LF), whose first line is exactly <c>QTSP-DOCUMENT/1 &lt;type&gt;</c> followed by a line
    /// feed, the type being <paramref name="documentType"/> and one of <see cref="DocumentSignature.DocumentTypes"/>.
    /// </summary>
    internal static bool IsAllowedDocument(byte[]? document, string? documentType)
    {
        if (document is not { Length: > 0 and <= DocumentSignature.MaxDocumentLength }
            || documentType is null
            || !DocumentSignature.DocumentTypes.Contains(documentType, StringComparer.Ordinal))
        {
            return false;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(document);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        if (text.Any(c => char.IsControl(c) && c is not ('\t' or '\r' or '\n')))
        {
            return false;
        }

        var end = text.IndexOf('\n', StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var header = text[..end].TrimEnd('\r');
        return string.Equals(header, DocumentSignature.Header(documentType), StringComparison.Ordinal);
    }

    /// <summary>
    /// The private key with <paramref name="id"/> in the logged-in area and its certificate under the same id: the
    /// certificate's public key is the key's, it is valid at <paramref name="now"/> and certified for digitalSignature or
    /// nonRepudiation. The service key (by its protected id, label or registered public key) is refused with
    /// <see cref="AgentErrorCode.KeyNotAllowed"/>, a certificate not for signatures too; anything else missing is
    /// <see cref="AgentErrorCode.SigningKeyNotFound"/>.
    /// </summary>
    private static (TokenObject Key, CKK KeyType, X509Certificate2 Certificate) FindSigner(Pkcs11Session loggedIn, byte[] id, byte[]? registeredServiceKey, DateTimeOffset now)
    {
        var objects = TokenReader.ReadObjects(loggedIn);
        var named = objects.Where(o => o.Id.AsSpan().SequenceEqual(id)).ToArray();
        var protectedIds = ServiceKey.ProtectedIds(objects);
        if (named.Any(o => ServiceKey.IsProtected(o, protectedIds)))
        {
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        var privateKeys = named.Where(o => o.Class == CKO.CKO_PRIVATE_KEY).ToArray();
        var keyType = privateKeys.Length == 1 ? (CKK?)AttributeValue.Ulong(privateKeys[0][CKA.CKA_KEY_TYPE]) : null;
        if (keyType is not (CKK.CKK_RSA or CKK.CKK_EC))
        {
            throw AreaAccess.Refused(AgentErrorCode.SigningKeyNotFound);
        }

        var key = privateKeys[0];
        var keyPublic = PublicKeyOf(loggedIn, named.FirstOrDefault(o => o.Class == CKO.CKO_PUBLIC_KEY) ?? key);
        if (IsServiceKey(keyPublic, registeredServiceKey))
        {
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        var refusal = AgentErrorCode.SigningKeyNotFound;
        foreach (var der in named.Where(o => o.Class == CKO.CKO_CERTIFICATE).Select(o => o[CKA.CKA_VALUE]).OfType<byte[]>().Where(v => v.Length > 0))
        {
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadCertificate(der);
            }
            catch (CryptographicException)
            {
                continue;
            }

            var certified = certificate.PublicKey.ExportSubjectPublicKeyInfo();
            if (IsServiceKey(certified, registeredServiceKey))
            {
                certificate.Dispose();
                throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
            }

            var ownKey = keyPublic is null || keyPublic.AsSpan().SequenceEqual(certified);
            var valid = certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime && now.UtcDateTime <= certificate.NotAfter.ToUniversalTime();
            var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages;
            var forSignatures = usage is not { } flags || (flags & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) != 0;
            if (ownKey && valid && forSignatures)
            {
                return (key, keyType.Value, certificate);
            }

            if (ownKey && valid)
            {
                refusal = AgentErrorCode.KeyNotAllowed;
            }

            certificate.Dispose();
        }

        throw AreaAccess.Refused(refusal);
    }

    private static bool IsServiceKey(byte[]? subjectPublicKeyInfo, byte[]? registeredServiceKey) =>
        subjectPublicKeyInfo is not null && registeredServiceKey is not null && subjectPublicKeyInfo.AsSpan().SequenceEqual(registeredServiceKey);

    private static byte[]? PublicKeyOf(Pkcs11Session session, TokenObject key)
    {
        try
        {
            return KeyMaterial.ReadPublicKey(session, key.Handle).ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is OperationRefusedException or CryptographicException or Pkcs11Exception)
        {
            return null; // an EC private key without its public half carries no point: the signature check decides
        }
    }

    /// <summary>An RSA key whose private half is on the device: <see cref="SignHash"/> goes to the token (PKCS#1 v1.5, SHA-2).</summary>
    private sealed class TokenRsa : RSA
    {
        private readonly TokenSigner _signer;
        private readonly RSAParameters _public;

        public TokenRsa(TokenSigner signer, X509Certificate2 certificate)
        {
            _signer = signer;
            using var rsa = certificate.GetRSAPublicKey() ?? throw AreaAccess.Refused(AgentErrorCode.SigningKeyNotFound);
            _public = rsa.ExportParameters(includePrivateParameters: false);
            KeySizeValue = rsa.KeySize;
            LegalKeySizesValue = [new KeySizes(rsa.KeySize, rsa.KeySize, 0)];
        }

        public override RSAParameters ExportParameters(bool includePrivateParameters) =>
            includePrivateParameters ? throw new CryptographicException("The private key stays on the device.") : _public;

        public override void ImportParameters(RSAParameters parameters) => throw new NotSupportedException();

        public override byte[] SignHash(byte[] hash, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding) =>
            padding == RSASignaturePadding.Pkcs1
                ? _signer.SignDigest(hash, hashAlgorithm)
                : throw new CryptographicException("The device signs with PKCS#1 v1.5 only.");

        public override bool VerifyHash(byte[] hash, byte[] signature, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding)
        {
            using var rsa = Create(_public);
            return rsa.VerifyHash(hash, signature, hashAlgorithm, padding);
        }
    }

    /// <summary>An EC key whose private half is on the device: <see cref="SignHash(byte[])"/> goes to the token (CKM_ECDSA).</summary>
    private sealed class TokenECDsa : ECDsa
    {
        private readonly TokenSigner _signer;
        private readonly ECParameters _public;

        public TokenECDsa(TokenSigner signer, X509Certificate2 certificate)
        {
            _signer = signer;
            using var ecdsa = certificate.GetECDsaPublicKey() ?? throw AreaAccess.Refused(AgentErrorCode.SigningKeyNotFound);
            _public = ecdsa.ExportParameters(includePrivateParameters: false);
            KeySizeValue = ecdsa.KeySize;
            LegalKeySizesValue = [new KeySizes(ecdsa.KeySize, ecdsa.KeySize, 0)];
        }

        public override ECParameters ExportParameters(bool includePrivateParameters) =>
            includePrivateParameters ? throw new CryptographicException("The private key stays on the device.") : _public;

        public override void ImportParameters(ECParameters parameters) => throw new NotSupportedException();

        public override void GenerateKey(ECCurve curve) => throw new NotSupportedException();

        /// <summary>IEEE P1363 (r||s), as <see cref="ECDsa.SignHash(byte[])"/> promises; the token returns just that.</summary>
        public override byte[] SignHash(byte[] hash) => _signer.SignDigest(hash, HashOf(hash));

        protected override byte[] SignHashCore(ReadOnlySpan<byte> hash, DSASignatureFormat signatureFormat)
        {
            var raw = SignHash(hash.ToArray());
            return signatureFormat == DSASignatureFormat.Rfc3279DerSequence ? Shared.Crypto.EcdsaSignatureEncoding.ToDer(raw) : raw;
        }

        public override bool VerifyHash(byte[] hash, byte[] signature)
        {
            using var ecdsa = Create(_public);
            return ecdsa.VerifyHash(hash, signature);
        }

        /// <summary>CKM_ECDSA signs the digest as given; only its length says which SHA-2 made it.</summary>
        private static HashAlgorithmName HashOf(byte[] hash) => hash.Length switch
        {
            32 => HashAlgorithmName.SHA256,
            48 => HashAlgorithmName.SHA384,
            64 => HashAlgorithmName.SHA512,
            _ => throw new CryptographicException("The digest fits no SHA-2 hash."),
        };
    }
}
