namespace Qtsp.Agent.Pkcs11;

/// <summary>
/// A PKCS#11 session. Not thread-safe (the standard forbids concurrent use of one session); the agent
/// serialises work per device. Object handles are only valid inside the session that found them.
/// </summary>
internal sealed unsafe class Pkcs11Session : IDisposable
{
    private readonly Pkcs11Module _module;
    private bool _closed;

    internal Pkcs11Session(Pkcs11Module module, ulong slotId, ulong handle)
    {
        _module = module;
        SlotId = slotId;
        Handle = handle;
    }

    public ulong SlotId { get; }

    public string ModulePath => _module.LibraryPath;

    public ulong Handle { get; }

    private CULong Session => Pkcs11Module.Ulong(Handle);

    public SessionInfo GetInfo()
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CK_SESSION_INFO*, CULong>)_module.Function(Pkcs11Function.C_GetSessionInfo);
        CK_SESSION_INFO info;
        Pkcs11Module.Check(Pkcs11Module.Rv(fn(Session, &info)), nameof(Pkcs11Function.C_GetSessionInfo));
        return new SessionInfo(info.slotID.Value, (CKS)info.state.Value, (CkSessionFlags)info.flags.Value);
    }

    /// <summary>Logs in. The caller owns <paramref name="pin"/> and wipes it afterwards; it is never copied here.</summary>
    public void Login(CKU userType, ReadOnlySpan<byte> pin)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong, byte*, CULong, CULong>)_module.Function(Pkcs11Function.C_Login);
        fixed (byte* p = pin)
        {
            Pkcs11Module.Check(Pkcs11Module.Rv(fn(Session, Pkcs11Module.Ulong((ulong)userType), p, Pkcs11Module.Ulong((ulong)pin.Length))), nameof(Pkcs11Function.C_Login));
        }
    }

    public void Logout()
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong>)_module.Function(Pkcs11Function.C_Logout);
        Pkcs11Module.Check(Pkcs11Module.Rv(fn(Session)), nameof(Pkcs11Function.C_Logout));
    }

    /// <summary>Finds the objects matching <paramref name="criteria"/> (all visible objects when empty).</summary>
    public IReadOnlyList<ulong> FindObjects(AttributeTemplate? criteria = null)
    {
        var init = (delegate* unmanaged[Cdecl]<CULong, CK_ATTRIBUTE*, CULong, CULong>)_module.Function(Pkcs11Function.C_FindObjectsInit);
        var find = (delegate* unmanaged[Cdecl]<CULong, CULong*, CULong, CULong*, CULong>)_module.Function(Pkcs11Function.C_FindObjects);
        var final = (delegate* unmanaged[Cdecl]<CULong, CULong>)_module.Function(Pkcs11Function.C_FindObjectsFinal);

        using (var template = (criteria ?? new AttributeTemplate()).ToNative())
        {
            Pkcs11Module.Check(Pkcs11Module.Rv(init(Session, template.Pointer, Pkcs11Module.Ulong((ulong)template.Count))), nameof(Pkcs11Function.C_FindObjectsInit));
        }

        var found = new List<ulong>();
        try
        {
            const int batch = 64;
            var handles = stackalloc CULong[batch];
            while (true)
            {
                CULong count;
                Pkcs11Module.Check(Pkcs11Module.Rv(find(Session, handles, Pkcs11Module.Ulong(batch), &count)), nameof(Pkcs11Function.C_FindObjects));
                for (var i = 0; i < (int)count.Value; i++)
                {
                    found.Add(handles[i].Value);
                }

                if ((int)count.Value < batch)
                {
                    break;
                }
            }
        }
        finally
        {
            // Always end the search, or the session refuses every later search (CKR_OPERATION_ACTIVE).
            _ = final(Session);
        }

        return found;
    }

    /// <summary>
    /// Reads attributes of an object. An attribute the object lacks, or keeps secret (CKR_ATTRIBUTE_SENSITIVE),
    /// comes back as null; any other failure throws.
    /// </summary>
    public IReadOnlyDictionary<CKA, byte[]?> GetAttributes(ulong objectHandle, params CKA[] types)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong, CK_ATTRIBUTE*, CULong, CULong>)_module.Function(Pkcs11Function.C_GetAttributeValue);
        var template = stackalloc CK_ATTRIBUTE[types.Length];
        for (var i = 0; i < types.Length; i++)
        {
            template[i] = new CK_ATTRIBUTE { type = Pkcs11Module.Ulong((ulong)types[i]) };
        }

        var objectId = Pkcs11Module.Ulong(objectHandle);
        CheckAttributeCall(Pkcs11Module.Rv(fn(Session, objectId, template, Pkcs11Module.Ulong((ulong)types.Length))));

        var buffers = new byte[]?[types.Length];
        for (var i = 0; i < types.Length; i++)
        {
            var length = template[i].ulValueLen.Value;
            if (!Pkcs11Values.IsUnavailable(length)) // a 32-bit CK_ULONG on Windows: uint.MaxValue, not nuint.MaxValue
            {
                buffers[i] = new byte[(int)length];
            }
        }

        var handles = new System.Runtime.InteropServices.GCHandle[types.Length];
        try
        {
            for (var i = 0; i < types.Length; i++)
            {
                if (buffers[i] is { Length: > 0 } buffer)
                {
                    handles[i] = System.Runtime.InteropServices.GCHandle.Alloc(buffer, System.Runtime.InteropServices.GCHandleType.Pinned);
                    template[i].pValue = (void*)handles[i].AddrOfPinnedObject();
                }
            }

            CheckAttributeCall(Pkcs11Module.Rv(fn(Session, objectId, template, Pkcs11Module.Ulong((ulong)types.Length))));
        }
        finally
        {
            foreach (var handle in handles.Where(h => h.IsAllocated))
            {
                handle.Free();
            }
        }

        var result = new Dictionary<CKA, byte[]?>(types.Length);
        for (var i = 0; i < types.Length; i++)
        {
            var length = template[i].ulValueLen.Value;
            result[types[i]] = Pkcs11Values.IsUnavailable(length) || buffers[i] is null ? null : buffers[i]![..(int)length];
        }

        return result;
    }

    /// <summary>
    /// C_SetPIN: changes the PIN of whoever the session is logged in as (the user; the SO in an SO session),
    /// or the user PIN in a public read-write session. Both values stay the caller's to wipe.
    /// </summary>
    public void SetPin(ReadOnlySpan<byte> oldPin, ReadOnlySpan<byte> newPin)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, byte*, CULong, byte*, CULong, CULong>)_module.Function(Pkcs11Function.C_SetPIN);
        fixed (byte* o = oldPin)
        fixed (byte* n = newPin)
        {
            Pkcs11Module.Check(
                Pkcs11Module.Rv(fn(Session, o, Pkcs11Module.Ulong((ulong)oldPin.Length), n, Pkcs11Module.Ulong((ulong)newPin.Length))),
                nameof(Pkcs11Function.C_SetPIN));
        }
    }

    /// <summary>C_InitPIN: sets the user PIN from an SO session (unblocking it).</summary>
    public void InitPin(ReadOnlySpan<byte> newPin)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, byte*, CULong, CULong>)_module.Function(Pkcs11Function.C_InitPIN);
        fixed (byte* n = newPin)
        {
            Pkcs11Module.Check(Pkcs11Module.Rv(fn(Session, n, Pkcs11Module.Ulong((ulong)newPin.Length))), nameof(Pkcs11Function.C_InitPIN));
        }
    }

    public ulong CreateObject(AttributeTemplate template)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CK_ATTRIBUTE*, CULong, CULong*, CULong>)_module.Function(Pkcs11Function.C_CreateObject);
        using var native = template.ToNative();
        CULong handle;
        Pkcs11Module.Check(Pkcs11Module.Rv(fn(Session, native.Pointer, Pkcs11Module.Ulong((ulong)native.Count), &handle)), nameof(Pkcs11Function.C_CreateObject));
        return handle.Value;
    }

    public void DestroyObject(ulong objectHandle)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong, CULong>)_module.Function(Pkcs11Function.C_DestroyObject);
        Pkcs11Module.Check(Pkcs11Module.Rv(fn(Session, Pkcs11Module.Ulong(objectHandle))), nameof(Pkcs11Function.C_DestroyObject));
    }

    public void SetAttributes(ulong objectHandle, AttributeTemplate template)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong, CK_ATTRIBUTE*, CULong, CULong>)_module.Function(Pkcs11Function.C_SetAttributeValue);
        using var native = template.ToNative();
        Pkcs11Module.Check(
            Pkcs11Module.Rv(fn(Session, Pkcs11Module.Ulong(objectHandle), native.Pointer, Pkcs11Module.Ulong((ulong)native.Count))),
            nameof(Pkcs11Function.C_SetAttributeValue));
    }

    /// <summary>C_GenerateKeyPair with a parameterless mechanism; returns (public, private) handles.</summary>
    public (ulong PublicKey, ulong PrivateKey) GenerateKeyPair(CKM mechanism, AttributeTemplate publicTemplate, AttributeTemplate privateTemplate)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CK_MECHANISM*, CK_ATTRIBUTE*, CULong, CK_ATTRIBUTE*, CULong, CULong*, CULong*, CULong>)
            _module.Function(Pkcs11Function.C_GenerateKeyPair);
        var mech = new CK_MECHANISM { mechanism = Pkcs11Module.Ulong((ulong)mechanism) };
        using var publicNative = publicTemplate.ToNative();
        using var privateNative = privateTemplate.ToNative();
        CULong publicKey;
        CULong privateKey;
        Pkcs11Module.Check(
            Pkcs11Module.Rv(fn(
                Session,
                &mech,
                publicNative.Pointer,
                Pkcs11Module.Ulong((ulong)publicNative.Count),
                privateNative.Pointer,
                Pkcs11Module.Ulong((ulong)privateNative.Count),
                &publicKey,
                &privateKey)),
            nameof(Pkcs11Function.C_GenerateKeyPair));
        return (publicKey.Value, privateKey.Value);
    }

    /// <summary>
    /// Signs <paramref name="data"/> with a parameterless mechanism. A key that demands authentication for every
    /// use (CKA_ALWAYS_AUTHENTICATE, the qualified area's per-signature PIN) gets <paramref name="contextPin"/>
    /// through C_Login(CKU_CONTEXT_SPECIFIC) between C_SignInit and C_Sign.
    /// </summary>
    public byte[] Sign(CKM mechanism, ulong privateKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> contextPin = default, bool contextLogin = false)
    {
        var init = (delegate* unmanaged[Cdecl]<CULong, CK_MECHANISM*, CULong, CULong>)_module.Function(Pkcs11Function.C_SignInit);
        var sign = (delegate* unmanaged[Cdecl]<CULong, byte*, CULong, byte*, CULong*, CULong>)_module.Function(Pkcs11Function.C_Sign);
        var mech = new CK_MECHANISM { mechanism = Pkcs11Module.Ulong((ulong)mechanism) };
        Pkcs11Module.Check(Pkcs11Module.Rv(init(Session, &mech, Pkcs11Module.Ulong(privateKey))), nameof(Pkcs11Function.C_SignInit));
        if (contextLogin)
        {
            Login(CKU.CKU_CONTEXT_SPECIFIC, contextPin);
        }

        fixed (byte* d = data)
        {
            CULong length;
            Pkcs11Module.Check(Pkcs11Module.Rv(sign(Session, d, Pkcs11Module.Ulong((ulong)data.Length), null, &length)), nameof(Pkcs11Function.C_Sign));
            var signature = new byte[(int)length.Value];
            fixed (byte* s = signature)
            {
                Pkcs11Module.Check(Pkcs11Module.Rv(sign(Session, d, Pkcs11Module.Ulong((ulong)data.Length), s, &length)), nameof(Pkcs11Function.C_Sign));
            }

            return signature[..(int)length.Value];
        }
    }

    public byte[] GenerateRandom(int length)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, byte*, CULong, CULong>)_module.Function(Pkcs11Function.C_GenerateRandom);
        var bytes = new byte[length];
        fixed (byte* b = bytes)
        {
            Pkcs11Module.Check(Pkcs11Module.Rv(fn(Session, b, Pkcs11Module.Ulong((ulong)length))), nameof(Pkcs11Function.C_GenerateRandom));
        }

        return bytes;
    }

    private static void CheckAttributeCall(CKR rv)
    {
        if (rv is not (CKR.CKR_OK or CKR.CKR_ATTRIBUTE_SENSITIVE or CKR.CKR_ATTRIBUTE_TYPE_INVALID))
        {
            throw new Pkcs11Exception(nameof(Pkcs11Function.C_GetAttributeValue), rv);
        }
    }

    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong>)_module.Function(Pkcs11Function.C_CloseSession);
        // A removed device has already dropped the session; nothing more to release.
        _ = fn(Session);
    }
}
