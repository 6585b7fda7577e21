using Qtsp.Agent.Pkcs11;

namespace Qtsp.Agent.Tokens;

/// <summary>An object found on a token, with the attributes read for its class. Never holds secret key material.</summary>
internal sealed record TokenObject(CKO Class, string Label, byte[] Id, IReadOnlyDictionary<CKA, byte[]?> Attributes)
{
    /// <summary>Valid only inside the session that read the object.</summary>
    public ulong Handle { get; init; }

    public string IdHex => Convert.ToHexString(Id);

    public byte[]? this[CKA type] => Attributes.TryGetValue(type, out var value) ? value : null;
}

/// <summary>One token (one PKCS#11 slot) as read at one moment.</summary>
internal sealed record SlotReading(
    string ModulePath,
    ulong SlotId,
    SlotInfo Slot,
    TokenInfo Token,
    bool PrivateObjectsListed,
    IReadOnlyList<TokenObject> Objects,
    bool LoggedIn = false)
{
    /// <summary>
    /// The reading as anyone at this PC may see it: a reading made while the area was logged in (for one page) without
    /// its private objects. An object whose CKA_PRIVATE cannot be read counts as private.
    /// </summary>
    public SlotReading PublicOnly() => !LoggedIn ? this : this with
    {
        Objects = Objects.Where(o => AttributeValue.Bool(o[CKA.CKA_PRIVATE]) == false).ToArray(),
        PrivateObjectsListed = !Token.Has(CKF.CKF_LOGIN_REQUIRED),
        LoggedIn = false,
    };
}
