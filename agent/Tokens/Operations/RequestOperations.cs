using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// A key pair generated on the device and a PKCS#10 request signed there, attested by the CA's service key:
/// what the CA's request tool (iSignum) does. A failure after the key exists removes the key again, or names it.
/// </summary>
internal static class RequestOperations
{
    /// <summary>The label vendor middleware gives keys without a certificate; a key keeps it until its certificate arrives.</summary>
    public static string PendingLabel(byte[] id) => DeviceModelCatalogue.OrphanKeyPrefix + Convert.ToHexStringLower(id);

    public static KeyRequestCreated Create(DeviceTarget target, KeyRequestCommand command, OperationScope scope, TimeProvider time)
    {
        using var pin = new Secret(command.Pin);
        using var qualifiedPin = new Secret(command.QualifiedPin);
        var qualified = command.Area == AreaKind.Qualified;
        var subject = Subject(command);
        if ((qualified && qualifiedPin.IsEmpty) || command.Nonce is not { Length: >= 16 and <= 64 })
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        var registeredServiceKey = ServiceKey.ParseRegistered(command.ServiceKeyPublicKey);
        var renewedKeyId = RenewedKey.ParseId(command.RenewedKeyIdHex);

        if (!target.HasArea(AreaKind.Standard))
        {
            throw AreaAccess.Refused(AgentErrorCode.ServiceKeyMissing);
        }

        scope.Stage(OperationStage.CheckingCapacity);
        using var standard = AreaAccess.Open(target, AreaKind.Standard);
        using var standardLogin = AreaAccess.LogIn(target, standard, AreaKind.Standard, CKU.CKU_USER, pin, command.ConfirmFinalTry, scope);
        var serviceKey = ServiceKey.Find(standard, registeredServiceKey) ?? throw AreaAccess.Refused(AgentErrorCode.ServiceKeyMissing);

        using var qualifiedSession = qualified ? AreaAccess.Open(target, AreaKind.Qualified) : null;
        var session = qualifiedSession ?? standard;
        using var qualifiedLogin = qualifiedSession is null ? null
            : AreaAccess.LogIn(target, qualifiedSession, AreaKind.Qualified, CKU.CKU_USER, qualifiedPin, command.ConfirmFinalTry, scope);

        // The renewed key is looked for before anything is generated: a wrong one costs nothing and leaves nothing.
        using var renewed = renewedKeyId is null ? null : RenewedKey.Find(session, command.Area, renewedKeyId, serviceKey);

        EnsureCapacity(target, command.Area, session);

        scope.Stage(OperationStage.GeneratingKey);
        var id = RandomNumberGenerator.GetBytes(16);
        var (mechanism, publicTemplate, privateTemplate) = KeyMaterial.Templates(command.Algorithm, id, PendingLabel(id), qualified);
        var (publicKey, privateKey) = session.GenerateKeyPair(mechanism, publicTemplate, privateTemplate);
        try
        {
            scope.Stage(OperationStage.SigningRequest);
            var signer = new TokenSigner(session, privateKey, KeyMaterial.IsRsa(command.Algorithm) ? CKK.CKK_RSA : CKK.CKK_EC, KeyMaterial.ReadPublicKey(session, publicKey), qualified ? qualifiedPin : null);
            var request = new CertificateRequest(subject, signer.PublicKey, signer.PreferredHash);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(qualified ? X509KeyUsageFlags.NonRepudiation : X509KeyUsageFlags.DigitalSignature, critical: true));
            var csr = request.CreateSigningRequest(signer);

            scope.Stage(OperationStage.Attesting);
            var statement = new AttestationStatement(SHA256.HashData(csr), command.Nonce, target.Device.SerialNumber, time.GetUtcNow());
            var attestation = serviceKey.Attest(standard, statement, pin);
            var renewal = renewed?.Prove(session, attestation.Statement, qualified ? qualifiedPin : pin);
            scope.Stage(OperationStage.Finished);
            return new KeyRequestCreated(csr, attestation, Convert.ToHexString(id), PendingLabel(id), target.Device.SerialNumber, renewal);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            if (TryRemove(session, publicKey, privateKey))
            {
                throw;
            }

            var error = failure switch
            {
                OperationRefusedException refused => refused.Error,
                Pkcs11Exception e => Pkcs11Errors.ToAgentError(e),
                _ => new AgentError(AgentErrorCode.Unknown),
            };
            throw new OperationRefusedException(error with { LeftoverKeyIdHex = Convert.ToHexString(id) });
        }
        catch (OperationCanceledException)
        {
            TryRemove(session, publicKey, privateKey);
            throw;
        }
    }

    /// <summary>Refuses before any key is generated when the area has no room (the CA tools' errors 621/622).</summary>
    public static void EnsureCapacity(DeviceTarget target, AreaKind area, Pkcs11Session loggedIn)
    {
        var (certificates, keys) = ObjectClassifier.Classify(TokenReader.ReadObjects(loggedIn));
        var now = target.Area(area) with
        {
            Certificates = certificates,
            Keys = keys,
            Memory = DeviceAssembler.Memory(target.Module.GetTokenInfo(loggedIn.SlotId)),
        };
        if (CapacityRules.Check(now, target.Model) is { } problem)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.CapacityExceeded, Capacity: problem));
        }
    }

    private static X500DistinguishedName Subject(KeyRequestCommand command)
    {
        var name = command.CommonName.Trim();
        var email = command.Email?.Trim();
        var country = command.Country?.Trim();
        if (name.Length is 0 or > 64
            || name.Any(char.IsControl)
            || (email is { Length: > 0 } && !System.Net.Mail.MailAddress.TryCreate(email, out _))
            || (country is { Length: > 0 } && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))))
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        var builder = new X500DistinguishedNameBuilder();
        if (country is { Length: > 0 })
        {
            builder.AddCountryOrRegion(country);
        }

        builder.AddCommonName(name);
        if (email is { Length: > 0 })
        {
            builder.AddEmailAddress(email);
        }

        return builder.Build();
    }

    /// <summary>Removes a half-made key pair; false when the device no longer answers (removed mid-way).</summary>
    private static bool TryRemove(Pkcs11Session session, ulong publicKey, ulong privateKey)
    {
        try
        {
            session.DestroyObject(privateKey);
            session.DestroyObject(publicKey);
            return true;
        }
        catch (Pkcs11Exception)
        {
            return false;
        }
    }
}
