using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Ca.Pkcs11;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace Qtsp.Portal.Infrastructure.DataProtection;

/// <summary>
/// An AES-256 key inside the CA's PKCS#11 token (sensitive, never extractable, encrypt/decrypt only) that encrypts
/// secrets with AES-GCM without ever leaving the token. Found by its label, made at the first start. Each blob names the
/// CKA_ID of the key that made it, so that two instances racing to make the key at once still decrypt each other's
/// blobs; new blobs use the key with the lowest CKA_ID.
/// </summary>
public sealed class TokenWrappingKey(EmbeddedCertificateAuthority ca, IOptions<KeyProtectionOptions> options) : IDisposable
{
    private const byte FormatVersion = 1;
    private const int IdLength = 16;
    private const int NonceLength = 12;
    private const int TagBits = 128;

    // Instances of the portal in one process (tests) share one token: one of them makes the key, the others find it.
    private static readonly Lock Creating = new();

    private readonly SemaphoreSlim _opening = new(1, 1);
    private volatile Opened? _opened;

    public string Label => options.Value.TokenKeyLabel;

    /// <summary>Opens the CA's token and finds (or makes) the key; at start, so that a missing token stops the portal.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_opened is not null)
        {
            return;
        }

        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_opened is null)
            {
                var (_, token) = await ca.GetSigningAsync(cancellationToken).ConfigureAwait(false);
                _opened = Open(token);
            }
        }
        catch (Exception exception) when (exception is CaStartupException or Pkcs11Exception)
        {
            throw new KeyProtectionException(
                $"The Data Protection keys cannot be protected: the CA's PKCS#11 token is not usable ({exception.Message}). Configure Ca:Pkcs11 or DataProtection:KeyProtection=Certificate.", exception);
        }
        finally
        {
            _opening.Release();
        }
    }

    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        var opened = Current();
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var data = plaintext.ToArray();
        var sealedData = opened.Token.WithSession(session => session.Encrypt(Gcm(nonce), opened.Key, data));
        Array.Clear(data);
        var blob = new byte[2 + IdLength + NonceLength + sealedData.Length];
        blob[0] = FormatVersion;
        blob[1] = IdLength;
        opened.Id.CopyTo(blob, 2);
        nonce.CopyTo(blob, 2 + IdLength);
        sealedData.CopyTo(blob, 2 + IdLength + NonceLength);
        return blob;
    }

    /// <summary>The plaintext; a <see cref="CryptographicException"/> when the blob was not made by this token's key or was altered.</summary>
    public byte[] Decrypt(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 2 + IdLength + NonceLength + (TagBits / 8) || blob[0] != FormatVersion || blob[1] != IdLength)
        {
            throw new CryptographicException("Not a blob of the token's wrapping key.");
        }

        var opened = Current();
        var id = blob.Slice(2, IdLength).ToArray();
        var key = opened.Id.AsSpan().SequenceEqual(id) ? opened.Key : opened.Token.WithSession(session => FindById(session, id))
            ?? throw new CryptographicException($"The token has no wrapping key with the id {Convert.ToHexString(id)}.");
        var nonce = blob.Slice(2 + IdLength, NonceLength).ToArray();
        var sealedData = blob[(2 + IdLength + NonceLength)..].ToArray();
        try
        {
            return opened.Token.WithSession(session => session.Decrypt(Gcm(nonce), key, sealedData));
        }
        catch (Pkcs11Exception exception)
        {
            throw new CryptographicException($"The token refused to decrypt ({exception.RV}).", exception);
        }
    }

    private Opened Current()
    {
        if (_opened is { } opened)
        {
            return opened;
        }

        // Only before the start's OpenAsync (a key ring read by a service used early); the CA's start does not need a synchronisation context.
        OpenAsync().GetAwaiter().GetResult();
        return _opened!;
    }

    private Opened Open(CaToken token)
    {
        lock (Creating)
        {
            var found = token.WithSession(session => FindAll(session));
            if (found.Count == 0)
            {
                token.WithReadWriteSession(session => Generate(session));
                found = token.WithSession(session => FindAll(session));
            }

            var chosen = found.OrderBy(k => Convert.ToHexString(k.Id), StringComparer.Ordinal).First();
            return new Opened(token, chosen.Handle, chosen.Id);
        }
    }

    private List<(IObjectHandle Handle, byte[] Id)> FindAll(ISession session) =>
        session.FindAllObjects(
            [
                CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                CaPkcs11Library.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
                CaPkcs11Library.Attribute(CKA.CKA_LABEL, Label),
            ])
            .Select(handle => (handle, session.GetAttributeValue(handle, [CKA.CKA_ID])[0].GetValueAsByteArray() ?? []))
            .Where(k => k.Item2.Length == IdLength)
            .ToList();

    private IObjectHandle? FindById(ISession session, byte[] id) =>
        session.FindAllObjects(
            [
                CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                CaPkcs11Library.Attribute(CKA.CKA_LABEL, Label),
                CaPkcs11Library.Attribute(CKA.CKA_ID, id),
            ]).FirstOrDefault();

    private bool Generate(ISession session)
    {
        session.GenerateKey(CaPkcs11Library.Mechanism(CKM.CKM_AES_KEY_GEN),
        [
            CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            CaPkcs11Library.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            CaPkcs11Library.Attribute(CKA.CKA_VALUE_LEN, 32UL),
            CaPkcs11Library.Attribute(CKA.CKA_TOKEN, true),
            CaPkcs11Library.Attribute(CKA.CKA_PRIVATE, true),
            CaPkcs11Library.Attribute(CKA.CKA_SENSITIVE, true),
            CaPkcs11Library.Attribute(CKA.CKA_EXTRACTABLE, false),
            CaPkcs11Library.Attribute(CKA.CKA_ENCRYPT, true),
            CaPkcs11Library.Attribute(CKA.CKA_DECRYPT, true),
            CaPkcs11Library.Attribute(CKA.CKA_WRAP, false),
            CaPkcs11Library.Attribute(CKA.CKA_UNWRAP, false),
            CaPkcs11Library.Attribute(CKA.CKA_ID, RandomNumberGenerator.GetBytes(IdLength)),
            CaPkcs11Library.Attribute(CKA.CKA_LABEL, Label),
        ]);
        return true;
    }

    private static IMechanism Gcm(byte[] nonce) => CaPkcs11Library.Factories.MechanismFactory.Create(CKM.CKM_AES_GCM,
        CaPkcs11Library.Factories.MechanismParamsFactory.CreateCkGcmParams(nonce, (ulong)nonce.Length * 8, [], TagBits));

    public void Dispose() => _opening.Dispose();

    private sealed record Opened(CaToken Token, IObjectHandle Key, byte[] Id);
}
