using Net.Pkcs11Interop.HighLevelAPI;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace Qtsp.Agent.Pkcs11;

/// <summary>
/// A PKCS#11 session in the agent's terms. Not thread-safe (the standard forbids concurrent use of one session); the
/// agent serialises work per device. Object handles are only valid inside the session that found them, so they are
/// plain numbers here and turned back into Pkcs11Interop handles only for calls on this session.
/// </summary>
internal sealed class Pkcs11Session : IDisposable
{
    private readonly Pkcs11Module _module;
    private readonly ISession _session;
    private bool _closed;

    internal Pkcs11Session(Pkcs11Module module, ulong slotId, ISession session)
    {
        _module = module;
        SlotId = slotId;
        _session = session;
    }

    public ulong SlotId { get; }

    public string ModulePath => _module.LibraryPath;

    public ulong Handle => _session.SessionId;

    public SessionInfo GetInfo()
    {
        var info = _session.GetSessionInfo();
        return new SessionInfo(info.SlotId, info.State, info.SessionFlags.Flags);
    }

    /// <summary>Logs in. The caller owns <paramref name="pin"/> and wipes it afterwards; it is passed on, never copied here.</summary>
    public void Login(CKU userType, byte[] pin) => _session.Login(userType, pin);

    public void Logout() => _session.Logout();

    /// <summary>Finds the objects matching <paramref name="criteria"/> (all visible objects when empty); the search is always ended (C_FindObjectsFinal).</summary>
    public IReadOnlyList<ulong> FindObjects(AttributeTemplate? criteria = null)
    {
        using var template = (criteria ?? new AttributeTemplate()).ToInterop();
        return _session.FindAllObjects(template.Attributes).Select(h => h.ObjectId).ToArray();
    }

    /// <summary>
    /// Reads attributes of an object. An attribute the object lacks, or keeps secret (CKR_ATTRIBUTE_SENSITIVE),
    /// comes back as null; any other failure throws.
    /// </summary>
    public IReadOnlyDictionary<CKA, byte[]?> GetAttributes(ulong objectHandle, params CKA[] types)
    {
        var values = _session.GetAttributeValue(ObjectHandle(objectHandle), [.. types]);
        try
        {
            var result = new Dictionary<CKA, byte[]?>(types.Length);
            for (var i = 0; i < types.Length; i++)
            {
                result[types[i]] = values[i].CannotBeRead ? null : values[i].GetValueAsByteArray() ?? [];
            }

            return result;
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    /// <summary>
    /// C_SetPIN: changes the PIN of whoever the session is logged in as (the user; the SO in an SO session),
    /// or the user PIN in a public read-write session. Both values stay the caller's to wipe.
    /// </summary>
    public void SetPin(byte[] oldPin, byte[] newPin) => _session.SetPin(oldPin, newPin);

    /// <summary>C_InitPIN: sets the user PIN from an SO session (unblocking it).</summary>
    public void InitPin(byte[] newPin) => _session.InitPin(newPin);

    public ulong CreateObject(AttributeTemplate template)
    {
        using var attributes = template.ToInterop();
        return _session.CreateObject(attributes.Attributes).ObjectId;
    }

    public void DestroyObject(ulong objectHandle) => _session.DestroyObject(ObjectHandle(objectHandle));

    public void SetAttributes(ulong objectHandle, AttributeTemplate template)
    {
        using var attributes = template.ToInterop();
        _session.SetAttributeValue(ObjectHandle(objectHandle), attributes.Attributes);
    }

    /// <summary>C_GenerateKeyPair with a parameterless mechanism; returns (public, private) handles.</summary>
    public (ulong PublicKey, ulong PrivateKey) GenerateKeyPair(CKM mechanism, AttributeTemplate publicTemplate, AttributeTemplate privateTemplate)
    {
        using var publicAttributes = publicTemplate.ToInterop();
        using var privateAttributes = privateTemplate.ToInterop();
        using var keyGeneration = Pkcs11Module.Mechanisms.Create(mechanism);
        _session.GenerateKeyPair(keyGeneration, publicAttributes.Attributes, privateAttributes.Attributes, out var publicKey, out var privateKey);
        return (publicKey.ObjectId, privateKey.ObjectId);
    }

    /// <summary>
    /// Signs <paramref name="data"/> with a parameterless mechanism. A key that demands authentication for every
    /// use (CKA_ALWAYS_AUTHENTICATE, the qualified area's per-signature PIN) gets <paramref name="perSignaturePin"/>:
    /// Pkcs11Interop logs it in as CKU_CONTEXT_SPECIFIC between C_SignInit and C_Sign.
    /// </summary>
    public byte[] Sign(CKM mechanism, ulong privateKey, byte[] data, byte[]? perSignaturePin = null)
    {
        using var signing = Pkcs11Module.Mechanisms.Create(mechanism);
        return perSignaturePin is null
            ? _session.Sign(signing, ObjectHandle(privateKey), data)
            : _session.Sign(signing, ObjectHandle(privateKey), perSignaturePin, data);
    }

    public byte[] GenerateRandom(int length) => _session.GenerateRandom(length);

    private IObjectHandle ObjectHandle(ulong handle) => _session.Factories.ObjectHandleFactory.Create(handle);

    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            _session.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // A removed device has already dropped the session; nothing more to release.
        }
    }
}
