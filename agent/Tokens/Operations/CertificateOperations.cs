using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>Certificates onto and off the device: install next to its key, import PKCS#12, export.</summary>
internal static class CertificateOperations
{
    /// <summary>
    /// Installs an issued certificate next to its key (matched by public key), with the key's CKA_ID and a readable label.
    /// Only a key a request made on the device and that still waits for its certificate (labelled with the pending
    /// prefix) takes one: never the service key, never a key that has its certificate already.
    /// </summary>
    public static CertificateInstalled Install(DeviceTarget target, CertificateInstall command, OperationScope scope)
    {
        using var pin = new Secret(command.Pin);
        using var certificate = Load(command.Certificate);
        using var session = AreaAccess.Open(target, command.Area);
        using var login = AreaAccess.LogIn(target, session, command.Area, CKU.CKU_USER, pin, command.ConfirmFinalTry, scope);

        var objects = TokenReader.ReadObjects(session);
        var existing = objects.FirstOrDefault(o => o.Class == CKO.CKO_CERTIFICATE && o[CKA.CKA_VALUE] is { } value && value.AsSpan().SequenceEqual(certificate.RawData));
        if (existing is not null)
        {
            return new CertificateInstalled(existing.IdHex, existing.Label);
        }

        var id = KeyIdFor(certificate, objects) ?? throw AreaAccess.Refused(AgentErrorCode.KeyNotOnDevice);
        var pair = objects.Where(o => o.Class is CKO.CKO_PRIVATE_KEY or CKO.CKO_PUBLIC_KEY && o.Id.AsSpan().SequenceEqual(id)).ToArray();
        if (pair.Any(o => ServiceKey.IsProtected(o, ServiceKey.ProtectedIds(objects))))
        {
            throw AreaAccess.Refused(AgentErrorCode.ProtectedObject);
        }

        if (!pair.All(o => o.Label.StartsWith(DeviceModelCatalogue.OrphanKeyPrefix, StringComparison.Ordinal)))
        {
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        var label = LabelFor(certificate);
        EnsureRoomForCertificate(target, command.Area, certificate, objects, session.SlotId);

        scope.Stage(OperationStage.WritingObjects);
        session.CreateObject(CertificateTemplate(certificate, id, label));
        foreach (var key in pair)
        {
            session.SetAttributes(key.Handle, new AttributeTemplate().Add(CKA.CKA_LABEL, label));
        }

        return new CertificateInstalled(Convert.ToHexString(id), label);
    }

    /// <summary>
    /// Imports the key and certificate of a PKCS#12 file into the standard area. The key was made elsewhere, so the
    /// result is never a qualified, QSCD-generated key whatever the certificate says (the page warns before).
    /// </summary>
    public static CertificateInstalled ImportPkcs12(DeviceTarget target, Pkcs12Import command, OperationScope scope)
    {
        using var pin = new Secret(command.Pin);
        using var password = new Secret(command.Password);
        if (!LooksLikePkcs12(command.Pkcs12))
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        X509Certificate2Collection contents;
        try
        {
            contents = X509CertificateLoader.LoadPkcs12Collection(command.Pkcs12, password.Chars, X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException)
        {
            throw AreaAccess.Refused(AgentErrorCode.FilePasswordIncorrect);
        }

        try
        {
            var certificate = contents.FirstOrDefault(c => c.HasPrivateKey) ?? throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
            var label = LabelFor(certificate);
            using var session = AreaAccess.Open(target, AreaKind.Standard);
            using var login = AreaAccess.LogIn(target, session, AreaKind.Standard, CKU.CKU_USER, pin, command.ConfirmFinalTry, scope);
            var objects = TokenReader.ReadObjects(session);
            if (KeyIdFor(certificate, objects) is not null)
            {
                throw AreaAccess.Refused(AgentErrorCode.InvalidInput); // that key is on the device already
            }

            EnsureRoomForCertificate(target, AreaKind.Standard, certificate, objects, session.SlotId);
            scope.Stage(OperationStage.WritingObjects);
            var id = RandomNumberGenerator.GetBytes(16);
            var (publicTemplate, privateTemplate) = KeyTemplates(certificate, id, label);
            var created = new List<ulong>();
            try
            {
                created.Add(session.CreateObject(privateTemplate));
                created.Add(session.CreateObject(publicTemplate));
                created.Add(session.CreateObject(CertificateTemplate(certificate, id, label)));
            }
            catch (Pkcs11Exception)
            {
                privateTemplate.WipeSecrets();
                foreach (var handle in created)
                {
                    try
                    {
                        session.DestroyObject(handle);
                    }
                    catch (Pkcs11Exception)
                    {
                    }
                }

                throw;
            }

            privateTemplate.WipeSecrets();
            return new CertificateInstalled(Convert.ToHexString(id), label);
        }
        finally
        {
            foreach (var certificate in contents)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>The DER of a certificate on the device (public; no login).</summary>
    public static byte[] Export(DeviceTarget target, AreaKind area, string idHex)
    {
        using var session = AreaAccess.Open(target, area, readWrite: false);
        var criteria = new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE).Add(CKA.CKA_ID, Convert.FromHexString(idHex));
        return TokenReader.ReadObjects(session, criteria).Select(o => o[CKA.CKA_VALUE]).FirstOrDefault(v => v is { Length: > 0 })
            ?? throw AreaAccess.Refused(AgentErrorCode.DeviceNotFound);
    }

    private static X509Certificate2 Load(byte[] encoded)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(encoded);
        }
        catch (CryptographicException)
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }
    }

    /// <summary>The CKA_ID of the key pair the certificate belongs to: a key object with the same public key, whose private half is here too.</summary>
    private static byte[]? KeyIdFor(X509Certificate2 certificate, IReadOnlyList<TokenObject> objects)
    {
        var wanted = ObjectClassifier.PublicKeyMaterial(certificate);
        if (wanted is null)
        {
            return null;
        }

        return objects
            .Where(o => o.Class is CKO.CKO_PUBLIC_KEY or CKO.CKO_PRIVATE_KEY && o.Id.Length > 0)
            .Where(o => ObjectClassifier.PublicKeyMaterial(o) is { } material && material.AsSpan().SequenceEqual(wanted))
            .Select(o => o.Id)
            .FirstOrDefault(id => objects.Any(p => p.Class == CKO.CKO_PRIVATE_KEY && p.Id.AsSpan().SequenceEqual(id)));
    }

    private static void EnsureRoomForCertificate(DeviceTarget target, AreaKind area, X509Certificate2 certificate, IReadOnlyList<TokenObject> objects, ulong slot)
    {
        var (certificates, _) = ObjectClassifier.Classify(objects);
        var qualifiedNow = certificates.Count(c => c.IsQualified);
        if (area == AreaKind.Qualified && ObjectClassifier.QcStatements(certificate).Qualified && qualifiedNow >= target.Model.QualifiedCertificateCapacity)
        {
            throw new OperationRefusedException(new AgentError(
                AgentErrorCode.CapacityExceeded,
                Capacity: new CapacityProblem(CapacityIssue.QualifiedAreaFull, qualifiedNow, target.Model.QualifiedCertificateCapacity, [])));
        }

        var memory = DeviceAssembler.Memory(target.Module.GetTokenInfo(slot));
        var free = new[] { memory?.FreePublic, memory?.FreePrivate }.Where(f => f is not null).Min();
        if (free is { } bytes && bytes < certificate.RawData.Length)
        {
            throw new OperationRefusedException(new AgentError(
                AgentErrorCode.CapacityExceeded,
                Capacity: new CapacityProblem(CapacityIssue.NoFreeMemory, qualifiedNow, target.Model.QualifiedCertificateCapacity, [])));
        }
    }

    /// <summary>The holder's name for the objects; a certificate named like the service key or a pending key is refused (it would shadow them).</summary>
    private static string LabelFor(X509Certificate2 certificate)
    {
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var label = string.IsNullOrWhiteSpace(name) ? certificate.SerialNumber : name;
        return ServiceKey.IsReservedLabel(label) ? throw AreaAccess.Refused(AgentErrorCode.ProtectedObject) : label;
    }

    private static AttributeTemplate CertificateTemplate(X509Certificate2 certificate, byte[] id, string label)
    {
        var serial = new AsnWriter(AsnEncodingRules.DER);
        serial.WriteInteger(certificate.SerialNumberBytes.Span);
        return new AttributeTemplate()
            .Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE)
            .Add(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509)
            .Add(CKA.CKA_TOKEN, true)
            .Add(CKA.CKA_PRIVATE, false)
            .Add(CKA.CKA_LABEL, label)
            .Add(CKA.CKA_ID, id)
            .Add(CKA.CKA_SUBJECT, certificate.SubjectName.RawData)
            .Add(CKA.CKA_ISSUER, certificate.IssuerName.RawData)
            .Add(CKA.CKA_SERIAL_NUMBER, serial.Encode())
            .Add(CKA.CKA_VALUE, certificate.RawData);
    }

    /// <summary>Key objects for an imported key; usages follow the certificate's key usage. The caller wipes the private template.</summary>
    private static (AttributeTemplate Public, AttributeTemplate Private) KeyTemplates(X509Certificate2 certificate, byte[] id, string label)
    {
        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages;
        var encrypts = usage is null || usage.Value.HasFlag(X509KeyUsageFlags.KeyEncipherment) || usage.Value.HasFlag(X509KeyUsageFlags.DataEncipherment);
        var publicTemplate = new AttributeTemplate()
            .Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY).Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_PRIVATE, false)
            .Add(CKA.CKA_LABEL, label).Add(CKA.CKA_ID, id).Add(CKA.CKA_VERIFY, true).Add(CKA.CKA_ENCRYPT, encrypts).Add(CKA.CKA_WRAP, false);
        var privateTemplate = new AttributeTemplate()
            .Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY).Add(CKA.CKA_TOKEN, true).Add(CKA.CKA_PRIVATE, true)
            .Add(CKA.CKA_SENSITIVE, true).Add(CKA.CKA_EXTRACTABLE, false)
            .Add(CKA.CKA_LABEL, label).Add(CKA.CKA_ID, id).Add(CKA.CKA_SIGN, true).Add(CKA.CKA_DECRYPT, encrypts)
            .Add(CKA.CKA_UNWRAP, false).Add(CKA.CKA_DERIVE, false);

        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is not null)
        {
            var p = rsa.ExportParameters(includePrivateParameters: true);
            publicTemplate.Add(CKA.CKA_KEY_TYPE, CKK.CKK_RSA).Add(CKA.CKA_MODULUS, p.Modulus!).Add(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!);
            privateTemplate.Add(CKA.CKA_KEY_TYPE, CKK.CKK_RSA)
                .Add(CKA.CKA_MODULUS, p.Modulus!).Add(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!)
                .Add(CKA.CKA_PRIVATE_EXPONENT, p.D!).Add(CKA.CKA_PRIME_1, p.P!).Add(CKA.CKA_PRIME_2, p.Q!)
                .Add(CKA.CKA_EXPONENT_1, p.DP!).Add(CKA.CKA_EXPONENT_2, p.DQ!).Add(CKA.CKA_COEFFICIENT, p.InverseQ!);
            return (publicTemplate, privateTemplate);
        }

        using var ecdsa = certificate.GetECDsaPrivateKey() ?? throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        var ec = ecdsa.ExportParameters(includePrivateParameters: true);
        if (!ec.Curve.IsNamed || ec.Curve.Oid.Value is null)
        {
            CryptographicOperations.ZeroMemory(ec.D);
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        var curve = new AsnWriter(AsnEncodingRules.DER);
        curve.WriteObjectIdentifier(ec.Curve.Oid.Value);
        var point = new AsnWriter(AsnEncodingRules.DER);
        point.WriteOctetString([0x04, .. ec.Q.X!, .. ec.Q.Y!]);
        publicTemplate.Add(CKA.CKA_KEY_TYPE, CKK.CKK_EC).Add(CKA.CKA_EC_PARAMS, curve.Encode()).Add(CKA.CKA_EC_POINT, point.Encode());
        privateTemplate.Add(CKA.CKA_KEY_TYPE, CKK.CKK_EC).Add(CKA.CKA_EC_PARAMS, curve.Encode()).Add(CKA.CKA_VALUE, ec.D!);
        return (publicTemplate, privateTemplate);
    }

    /// <summary>PFX ::= SEQUENCE { version INTEGER (3), ... }: enough to tell a wrong file from a wrong password.</summary>
    private static bool LooksLikePkcs12(byte[] data)
    {
        try
        {
            var sequence = new AsnReader(data, AsnEncodingRules.BER).ReadSequence();
            return sequence.TryReadInt32(out var version) && version == 3;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
