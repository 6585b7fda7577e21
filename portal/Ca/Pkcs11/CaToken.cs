using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace Qtsp.Portal.Ca.Pkcs11;

/// <summary>
/// The CA's token: found by label, logged in once as the user. PKCS#11 login belongs to the application and ends when
/// its last session on the token closes, so one session is held open for the token's lifetime; signatures use sessions
/// from a pool (a session must not be used by two threads at once). Object handles are valid in every session.
/// </summary>
internal sealed class CaToken : IDisposable
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private const string P384 = "1.3.132.0.34";

    private readonly ISlot _slot;
    private readonly ISession _loginSession;
    private readonly ConcurrentBag<ISession> _idleSessions = [];
    private bool _disposed;

    private CaToken(ISlot slot, ISession loginSession, string label)
    {
        _slot = slot;
        _loginSession = loginSession;
        Label = label;
    }

    public string Label { get; }

    /// <summary>Opens the token labelled <see cref="CaPkcs11Options.TokenLabel"/> and logs in with the configured PIN.</summary>
    public static CaToken Open(CaPkcs11Options options)
    {
        if (string.IsNullOrEmpty(options.Pin))
        {
            throw new CaStartupException($"Ca:Pkcs11:Pin is not configured for the CA token '{options.TokenLabel}'.");
        }

        IPkcs11Library library;
        try
        {
            library = CaPkcs11Library.Load(options.Module);
        }
        catch (Exception exception) when (exception is Pkcs11Exception or UnmanagedException or DllNotFoundException)
        {
            throw new CaStartupException($"The PKCS#11 module '{options.Module}' of the CA could not be loaded.", exception);
        }

        var slot = library.GetSlotList(SlotsType.WithTokenPresent).FirstOrDefault(s => s.GetTokenInfo().Label.Trim() == options.TokenLabel)
            ?? throw new CaStartupException($"No token labelled '{options.TokenLabel}' in the PKCS#11 module '{options.Module}'.");
        var session = slot.OpenSession(SessionType.ReadWrite);
        try
        {
            session.Login(CKU.CKU_USER, options.Pin);
        }
        catch (Pkcs11Exception exception) when (exception.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Another CA instance of this process (the login is the application's) logged in already.
        }
        catch (Pkcs11Exception exception)
        {
            session.Dispose();
            throw new CaStartupException($"Logging in to the CA token '{options.TokenLabel}' failed: {exception.RV}.");
        }

        return new CaToken(slot, session, options.TokenLabel);
    }

    /// <summary>The private key with CKA_ID <paramref name="id"/> and its public key, or null when the token has no such private key.</summary>
    public TokenKey? FindKey(byte[] id)
    {
        var privateKeys = _loginSession.FindAllObjects([CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), CaPkcs11Library.Attribute(CKA.CKA_ID, id)]);
        if (privateKeys.Count == 0)
        {
            return null;
        }

        if (privateKeys.Count > 1)
        {
            throw new CaStartupException($"The CA token '{Label}' holds {privateKeys.Count} private keys with the id of one CA key.");
        }

        var publicKeys = _loginSession.FindAllObjects([CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), CaPkcs11Library.Attribute(CKA.CKA_ID, id)]);
        if (publicKeys.Count != 1)
        {
            throw new CaStartupException($"The CA token '{Label}' holds a CA private key without exactly one public key of the same id.");
        }

        var (type, publicKey) = ReadPublicKey(publicKeys[0]);
        return new TokenKey(this, privateKeys[0], type, publicKey);
    }

    /// <summary>Generates a key pair inside the token: the private key sensitive, never extractable, for signing only.</summary>
    public TokenKey GenerateKey(byte[] id, string label, CaKeyType type)
    {
        var isRsa = type is CaKeyType.Rsa2048 or CaKeyType.Rsa3072 or CaKeyType.Rsa4096;
        List<IObjectAttribute> publicTemplate =
        [
            CaPkcs11Library.Attribute(CKA.CKA_TOKEN, true),
            CaPkcs11Library.Attribute(CKA.CKA_PRIVATE, false),
            CaPkcs11Library.Attribute(CKA.CKA_VERIFY, true),
            CaPkcs11Library.Attribute(CKA.CKA_ID, id),
            CaPkcs11Library.Attribute(CKA.CKA_LABEL, label),
        ];
        if (isRsa)
        {
            publicTemplate.Add(CaPkcs11Library.Attribute(CKA.CKA_MODULUS_BITS, (ulong)RsaBits(type)));
            publicTemplate.Add(CaPkcs11Library.Attribute(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 0x01, 0x00, 0x01 }));
        }
        else
        {
            publicTemplate.Add(CaPkcs11Library.Attribute(CKA.CKA_EC_PARAMS, EncodeCurve(type == CaKeyType.EcP256 ? P256 : P384)));
        }

        List<IObjectAttribute> privateTemplate =
        [
            CaPkcs11Library.Attribute(CKA.CKA_TOKEN, true),
            CaPkcs11Library.Attribute(CKA.CKA_PRIVATE, true),
            CaPkcs11Library.Attribute(CKA.CKA_SENSITIVE, true),
            CaPkcs11Library.Attribute(CKA.CKA_EXTRACTABLE, false),
            CaPkcs11Library.Attribute(CKA.CKA_SIGN, true),
            CaPkcs11Library.Attribute(CKA.CKA_DECRYPT, false),
            CaPkcs11Library.Attribute(CKA.CKA_ID, id),
            CaPkcs11Library.Attribute(CKA.CKA_LABEL, label),
        ];
        var mechanism = CaPkcs11Library.Mechanism(isRsa ? CKM.CKM_RSA_PKCS_KEY_PAIR_GEN : CKM.CKM_EC_KEY_PAIR_GEN);
        _loginSession.GenerateKeyPair(mechanism, publicTemplate, privateTemplate, out var publicHandle, out var privateHandle);
        var (_, publicKey) = ReadPublicKey(publicHandle);
        return new TokenKey(this, privateHandle, type, publicKey);
    }

    /// <summary>The CKA_IDs of the private keys whose id starts with <paramref name="prefix"/> (the OCSP responder keys of a CA).</summary>
    public IReadOnlyList<byte[]> FindKeyIds(byte[] prefix)
    {
        var keys = _loginSession.FindAllObjects([CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)]);
        return keys.Select(k => _loginSession.GetAttributeValue(k, [CKA.CKA_ID])[0].GetValueAsByteArray() ?? [])
            .Where(id => id.AsSpan().StartsWith(prefix))
            .ToList();
    }

    /// <summary>The DER of the X.509 certificate object with CKA_ID <paramref name="id"/>, or null.</summary>
    public byte[]? FindCertificate(byte[] id)
    {
        var found = _loginSession.FindAllObjects([CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), CaPkcs11Library.Attribute(CKA.CKA_ID, id)]);
        return found.Count == 0 ? null : _loginSession.GetAttributeValue(found[0], [CKA.CKA_VALUE])[0].GetValueAsByteArray();
    }

    /// <summary>Stores a (public) certificate on the token next to its key, under the key's CKA_ID.</summary>
    public void StoreCertificate(byte[] id, string label, X509Certificate2 certificate)
    {
        _loginSession.CreateObject(
        [
            CaPkcs11Library.Attribute(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE),
            CaPkcs11Library.Factories.ObjectAttributeFactory.Create(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509),
            CaPkcs11Library.Attribute(CKA.CKA_TOKEN, true),
            CaPkcs11Library.Attribute(CKA.CKA_PRIVATE, false),
            CaPkcs11Library.Attribute(CKA.CKA_ID, id),
            CaPkcs11Library.Attribute(CKA.CKA_LABEL, label),
            CaPkcs11Library.Attribute(CKA.CKA_SUBJECT, certificate.SubjectName.RawData),
            CaPkcs11Library.Attribute(CKA.CKA_VALUE, certificate.RawData),
        ]);
    }

    /// <summary>Destroys every object (keys, certificate) with CKA_ID <paramref name="id"/>.</summary>
    public void DestroyObjects(byte[] id)
    {
        foreach (var handle in _loginSession.FindAllObjects([CaPkcs11Library.Attribute(CKA.CKA_ID, id)]))
        {
            _loginSession.DestroyObject(handle);
        }
    }

    public byte[] Sign(IObjectHandle privateKey, CKM mechanism, byte[] data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var session = _idleSessions.TryTake(out var idle) ? idle : _slot.OpenSession(SessionType.ReadOnly);
        try
        {
            var signature = session.Sign(CaPkcs11Library.Mechanism(mechanism), privateKey, data);
            _idleSessions.Add(session);
            return signature;
        }
        catch
        {
            session.Dispose(); // a session whose operation failed may be left mid-operation
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled read-only session (used by one thread at a time), as signatures do.</summary>
    internal T WithSession<T>(Func<ISession, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var session = _idleSessions.TryTake(out var idle) ? idle : _slot.OpenSession(SessionType.ReadOnly);
        try
        {
            var result = work(session);
            _idleSessions.Add(session);
            return result;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on a read-write session of its own (creating token objects), closed afterwards.</summary>
    internal T WithReadWriteSession<T>(Func<ISession, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var session = _slot.OpenSession(SessionType.ReadWrite);
        return work(session);
    }

    private (CaKeyType Type, PublicKey Key) ReadPublicKey(IObjectHandle handle)
    {
        var keyType = _loginSession.GetAttributeValue(handle, [CKA.CKA_KEY_TYPE])[0].GetValueAsUlong();
        if (keyType == (ulong)CKK.CKK_RSA)
        {
            var values = _loginSession.GetAttributeValue(handle, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
            using var rsa = RSA.Create(new RSAParameters { Modulus = values[0].GetValueAsByteArray(), Exponent = values[1].GetValueAsByteArray() });
            var type = rsa.KeySize switch
            {
                2048 => CaKeyType.Rsa2048,
                3072 => CaKeyType.Rsa3072,
                4096 => CaKeyType.Rsa4096,
                _ => throw new CaStartupException($"A CA key on the token '{Label}' is RSA-{rsa.KeySize}, which the CA does not use."),
            };
            return (type, PublicKey.CreateFromSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo(), out _));
        }

        if (keyType == (ulong)CKK.CKK_EC)
        {
            var values = _loginSession.GetAttributeValue(handle, [CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT]);
            var curve = AsnDecoder.ReadObjectIdentifier(values[0].GetValueAsByteArray(), AsnEncodingRules.DER, out _);
            var type = curve switch
            {
                P256 => CaKeyType.EcP256,
                P384 => CaKeyType.EcP384,
                _ => throw new CaStartupException($"A CA key on the token '{Label}' is on the curve {curve}, which the CA does not use."),
            };
            var point = AsnDecoder.ReadOctetString(values[1].GetValueAsByteArray(), AsnEncodingRules.DER, out _);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                    writer.WriteObjectIdentifier(curve);
                }

                writer.WriteBitString(point);
            }

            return (type, PublicKey.CreateFromSubjectPublicKeyInfo(writer.Encode(), out _));
        }

        throw new CaStartupException($"A CA key on the token '{Label}' is neither RSA nor EC.");
    }

    private static int RsaBits(CaKeyType type) => type switch
    {
        CaKeyType.Rsa2048 => 2048,
        CaKeyType.Rsa3072 => 3072,
        _ => 4096,
    };

    private static byte[] EncodeCurve(string oid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        return writer.Encode();
    }

    /// <summary>Closes the sessions. The login ends with the last session of the process on this token, which is the module's business.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        while (_idleSessions.TryTake(out var session))
        {
            session.Dispose();
        }

        _loginSession.Dispose();
    }
}
