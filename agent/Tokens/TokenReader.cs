using Qtsp.Agent.Pkcs11;

namespace Qtsp.Agent.Tokens;

/// <summary>Reads a token's identity and objects through a public (not logged-in) session.</summary>
internal static class TokenReader
{
    private static readonly CKA[] CommonAttributes = [CKA.CKA_CLASS, CKA.CKA_LABEL, CKA.CKA_ID, CKA.CKA_PRIVATE];

    private static readonly CKA[] CertificateAttributes = [CKA.CKA_CERTIFICATE_TYPE, CKA.CKA_VALUE];

    // Deliberately without CKA_VALUE: a private key that is (wrongly) extractable must not leave the token here.
    private static readonly CKA[] KeyAttributes =
    [
        CKA.CKA_KEY_TYPE, CKA.CKA_MODULUS_BITS, CKA.CKA_MODULUS, CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT,
        CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_ALWAYS_AUTHENTICATE, CKA.CKA_SIGN,
    ];

    /// <summary>Reads the token in <paramref name="slotId"/>; null for a blank token (no label, nothing on it yet).</summary>
    public static SlotReading? Read(Pkcs11Module module, ulong slotId)
    {
        var slot = module.GetSlotInfo(slotId);
        var token = module.GetTokenInfo(slotId);
        if (!token.Has(CKF.CKF_TOKEN_INITIALIZED))
        {
            return null;
        }
        using var session = module.OpenSession(slotId, readWrite: false);
        var loggedIn = session.GetInfo().State is CKS.CKS_RO_USER_FUNCTIONS or CKS.CKS_RW_USER_FUNCTIONS;
        return new SlotReading(module.LibraryPath, slotId, slot, token, loggedIn || !token.Has(CKF.CKF_LOGIN_REQUIRED), ReadObjects(session), loggedIn);
    }

    /// <summary>Every object the session can see (private ones only when logged in), with its handle.</summary>
    public static IReadOnlyList<TokenObject> ReadObjects(Pkcs11Session session, AttributeTemplate? criteria = null) =>
        session.FindObjects(criteria).Select(handle => ReadObject(session, handle)).OfType<TokenObject>().ToArray();

    private static TokenObject? ReadObject(Pkcs11Session session, ulong handle)
    {
        var common = session.GetAttributes(handle, CommonAttributes);
        if (AttributeValue.Ulong(common[CKA.CKA_CLASS]) is not { } classValue)
        {
            return null;
        }

        var objectClass = (CKO)classValue;
        var specific = objectClass switch
        {
            CKO.CKO_CERTIFICATE => session.GetAttributes(handle, CertificateAttributes),
            CKO.CKO_PRIVATE_KEY or CKO.CKO_PUBLIC_KEY => session.GetAttributes(handle, KeyAttributes),
            _ => new Dictionary<CKA, byte[]?>(),
        };

        var attributes = common.Concat(specific).ToDictionary(a => a.Key, a => a.Value);
        return new TokenObject(objectClass, AttributeValue.Text(common[CKA.CKA_LABEL]) ?? "", common[CKA.CKA_ID] ?? [], attributes) { Handle = handle };
    }
}
