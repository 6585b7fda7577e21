using System.Security.Cryptography;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>Signing a challenge with a key on the device (proof of possession, e.g. sign-in with the token's certificate).</summary>
internal static class ChallengeOperations
{
    public static byte[] Sign(DeviceTarget target, ChallengeSignature command)
    {
        using var pin = new Secret(command.Pin);
        using var signaturePin = new Secret(command.SignaturePin);
        if (command.Challenge is not { Length: >= 16 and <= 1024 })
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        using var session = AreaAccess.Open(target, command.Area, readWrite: false);
        AreaAccess.LogIn(target, session, command.Area, CKU.CKU_USER, pin, command.ConfirmFinalTry);
        var criteria = new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY).Add(CKA.CKA_ID, Convert.FromHexString(command.KeyIdHex));
        var keys = TokenReader.ReadObjects(session, criteria);
        var key = keys.Count > 0 ? keys[0] : throw AreaAccess.Refused(AgentErrorCode.KeyNotOnDevice);
        var publicKeys = TokenReader.ReadObjects(session, new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY).Add(CKA.CKA_ID, key.Id));
        var publicKey = publicKeys.Count > 0 ? publicKeys[0] : key;
        var perSignature = AttributeValue.Bool(key[CKA.CKA_ALWAYS_AUTHENTICATE]) == true ? (signaturePin.IsEmpty ? pin : signaturePin) : null;
        var signer = new TokenSigner(session, key.Handle, (CKK?)AttributeValue.Ulong(key[CKA.CKA_KEY_TYPE]) ?? CKK.CKK_RSA, KeyMaterial.ReadPublicKey(session, publicKey.Handle), perSignature);
        return signer.SignData(command.Challenge, HashAlgorithmName.SHA256);
    }
}
