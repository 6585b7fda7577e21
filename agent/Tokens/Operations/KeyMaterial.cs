using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>Key pair templates for generation on the device, and public keys read back from it.</summary>
internal static class KeyMaterial
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private const string P384 = "1.3.132.0.34";

    /// <summary>
    /// The private key is sensitive, never extractable and can only sign; a qualified key also demands the
    /// QPIN for every signature (CKA_ALWAYS_AUTHENTICATE). SoftHSM and some cards default the usage flags
    /// to true, so every one of them is stated.
    /// </summary>
    public static (CKM Mechanism, AttributeTemplate Public, AttributeTemplate Private) Templates(KeyAlgorithm algorithm, byte[] id, string label, bool qualified)
    {
        var publicTemplate = new AttributeTemplate()
            .Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY)
            .Add(CKA.CKA_TOKEN, true)
            .Add(CKA.CKA_PRIVATE, false)
            .Add(CKA.CKA_VERIFY, true)
            .Add(CKA.CKA_ENCRYPT, false)
            .Add(CKA.CKA_WRAP, false)
            .Add(CKA.CKA_LABEL, label)
            .Add(CKA.CKA_ID, id);
        var privateTemplate = new AttributeTemplate()
            .Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)
            .Add(CKA.CKA_TOKEN, true)
            .Add(CKA.CKA_PRIVATE, true)
            .Add(CKA.CKA_SENSITIVE, true)
            .Add(CKA.CKA_EXTRACTABLE, false)
            .Add(CKA.CKA_SIGN, true)
            .Add(CKA.CKA_DECRYPT, false)
            .Add(CKA.CKA_UNWRAP, false)
            .Add(CKA.CKA_DERIVE, false)
            .Add(CKA.CKA_LABEL, label)
            .Add(CKA.CKA_ID, id);
        if (qualified)
        {
            privateTemplate.Add(CKA.CKA_ALWAYS_AUTHENTICATE, true);
        }

        switch (algorithm)
        {
            case KeyAlgorithm.Rsa2048 or KeyAlgorithm.Rsa3072 or KeyAlgorithm.Rsa4096:
                publicTemplate.Add(CKA.CKA_MODULUS_BITS, (ulong)RsaBits(algorithm)).Add(CKA.CKA_PUBLIC_EXPONENT, [0x01, 0x00, 0x01]);
                return (CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, publicTemplate, privateTemplate);
            default:
                publicTemplate.Add(CKA.CKA_EC_PARAMS, CurveParameters(algorithm == KeyAlgorithm.EcP256 ? P256 : P384));
                return (CKM.CKM_EC_KEY_PAIR_GEN, publicTemplate, privateTemplate);
        }
    }

    public static int RsaBits(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.Rsa2048 => 2048,
        KeyAlgorithm.Rsa3072 => 3072,
        KeyAlgorithm.Rsa4096 => 4096,
        _ => 0,
    };

    public static bool IsRsa(KeyAlgorithm algorithm) => RsaBits(algorithm) > 0;

    private static byte[] CurveParameters(string oid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        return writer.Encode();
    }

    /// <summary>The public key of a key object on the device (public key object, or an RSA private key, which carries its modulus).</summary>
    public static PublicKey ReadPublicKey(Pkcs11Session session, ulong keyHandle)
    {
        var attributes = session.GetAttributes(keyHandle, CKA.CKA_KEY_TYPE, CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT);
        var keyType = (CKK?)AttributeValue.Ulong(attributes[CKA.CKA_KEY_TYPE]);
        if (keyType == CKK.CKK_RSA && attributes[CKA.CKA_MODULUS] is { } modulus && attributes[CKA.CKA_PUBLIC_EXPONENT] is { } exponent)
        {
            using var rsa = RSA.Create(new RSAParameters { Modulus = TrimLeadingZeros(modulus), Exponent = exponent });
            return new PublicKey(rsa);
        }

        if (keyType == CKK.CKK_EC && attributes[CKA.CKA_EC_PARAMS] is { } parameters && attributes[CKA.CKA_EC_POINT] is { } point)
        {
            var oid = AsnDecoder.ReadObjectIdentifier(parameters, AsnEncodingRules.DER, out _);
            var q = ObjectClassifier.UnwrapOctetString(point);
            var size = (q.Length - 1) / 2;
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.CreateFromValue(oid),
                Q = new ECPoint { X = q[1..(1 + size)], Y = q[(1 + size)..] },
            });
            return new PublicKey(ecdsa);
        }

        throw new OperationRefusedException(new AgentError(AgentErrorCode.InvalidInput));
    }

    private static byte[] TrimLeadingZeros(byte[] value) => value.SkipWhile((b, i) => b == 0 && i < value.Length - 1).ToArray();
}
