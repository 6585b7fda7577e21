using System.Security.Cryptography;
using System.Text;
using Qtsp.Portal.Ca.Pkcs11;

namespace Qtsp.Portal.Ca;

/// <summary>
/// Keys the CA generates and holds for holders (the cloud key medium): created inside the CA's PKCS#11 token, sensitive
/// and not extractable, and used only through the token — the portal never has the private key, only its signatures.
/// </summary>
public interface ICloudKeyVault
{
    /// <summary>Generates a P-256 key pair under <paramref name="keyId"/>; returns its SubjectPublicKeyInfo (DER).</summary>
    Task<byte[]> GenerateAsync(string keyId, string label, CancellationToken cancellationToken = default);

    /// <summary>An ECDSA signature (IEEE P1363 r||s) over <paramref name="hash"/> by the key <paramref name="keyId"/>; null when the token has no such key.</summary>
    Task<byte[]?> SignHashAsync(string keyId, byte[] hash, CancellationToken cancellationToken = default);

    /// <summary>Removes a key whose certificate was never issued.</summary>
    Task DestroyAsync(string keyId, CancellationToken cancellationToken = default);
}

/// <summary>The embedded CA's token holds the cloud keys, under CKA_ID <c>qtsp-cloud:&lt;key id&gt;</c> — never a CA key's id.</summary>
public sealed class EmbeddedCloudKeyVault(EmbeddedCertificateAuthority ca) : ICloudKeyVault
{
    public const string IdPrefix = "qtsp-cloud:";

    public async Task<byte[]> GenerateAsync(string keyId, string label, CancellationToken cancellationToken = default)
    {
        var (_, token) = await ca.GetSigningAsync(cancellationToken).ConfigureAwait(false);
        var key = token.GenerateKey(Id(keyId), label, CaKeyType.EcP256);
        return key.PublicKey.ExportSubjectPublicKeyInfo();
    }

    public async Task<byte[]?> SignHashAsync(string keyId, byte[] hash, CancellationToken cancellationToken = default)
    {
        var (_, token) = await ca.GetSigningAsync(cancellationToken).ConfigureAwait(false);
        return token.FindKey(Id(keyId)) is { } key ? key.SignHashRaw(hash) : null;
    }

    public async Task DestroyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        var (_, token) = await ca.GetSigningAsync(cancellationToken).ConfigureAwait(false);
        token.DestroyObjects(Id(keyId));
    }

    private static byte[] Id(string keyId)
    {
        if (keyId.Length is 0 or > 64 || !keyId.All(Uri.IsHexDigit))
        {
            throw new ArgumentException("A cloud key id is hex.", nameof(keyId));
        }

        return Encoding.ASCII.GetBytes(IdPrefix + keyId.ToLowerInvariant());
    }
}

/// <summary>An ECDSA key whose private half stays in the vault: what .NET's CMS signer needs to sign with it.</summary>
public sealed class VaultEcdsa : ECDsa
{
    private readonly ICloudKeyVault _vault;
    private readonly string _keyId;
    private readonly ECDsa _public;

    public VaultEcdsa(ICloudKeyVault vault, string keyId, ECDsa publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        _vault = vault;
        _keyId = keyId;
        _public = publicKey;
        KeySizeValue = publicKey.KeySize;
        LegalKeySizesValue = [new KeySizes(publicKey.KeySize, publicKey.KeySize, 0)];
    }

    public override byte[] SignHash(byte[] hash) =>
        _vault.SignHashAsync(_keyId, hash).GetAwaiter().GetResult() ?? throw new CryptographicException("The cloud key is not in the vault.");

    public override bool VerifyHash(byte[] hash, byte[] signature) => _public.VerifyHash(hash, signature);

    public override ECParameters ExportParameters(bool includePrivateParameters) =>
        includePrivateParameters ? throw new CryptographicException("The private key stays in the HSM.") : _public.ExportParameters(false);

    public override ECParameters ExportExplicitParameters(bool includePrivateParameters) =>
        includePrivateParameters ? throw new CryptographicException("The private key stays in the HSM.") : _public.ExportExplicitParameters(false);

    public override void ImportParameters(ECParameters parameters) => throw new NotSupportedException();

    public override void GenerateKey(ECCurve curve) => throw new NotSupportedException();

    protected override byte[] HashData(byte[] data, int offset, int count, HashAlgorithmName hashAlgorithm) =>
        hashAlgorithm == HashAlgorithmName.SHA256 ? SHA256.HashData(data.AsSpan(offset, count)) : throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _public.Dispose();
        }

        base.Dispose(disposing);
    }
}
