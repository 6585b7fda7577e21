using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Pkcs11;

/// <summary>
/// Sessions, login, object search and attribute reads of the binding against objects that pkcs11-tool and
/// openssl wrote onto SoftHSM2 tokens.
/// </summary>
[Collection(InProcessSoftHsm.Name)]
public sealed class Pkcs11SessionTests : IAsyncLifetime
{
    private const string WrongPin = "wrong-7319";

    private SharedSoftHsm _softHsm = null!;

    private Pkcs11Module Module => _softHsm.Module;

    private ulong StandardSlot => _softHsm.Standard.SlotId;

    private ulong QualifiedSlot => _softHsm.Qualified.SlotId;

    public async Task InitializeAsync() => _softHsm = await SharedSoftHsm.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void A_read_only_session_is_public_until_login_and_again_after_logout()
    {
        using var session = Module.OpenSession(StandardSlot, readWrite: false);
        using var other = Module.OpenSession(StandardSlot, readWrite: false);

        var info = session.GetInfo();
        info.SlotId.ShouldBe(StandardSlot);
        info.State.ShouldBe(CKS.CKS_RO_PUBLIC_SESSION);
        info.Flags.ShouldBe(CKF.CKF_SERIAL_SESSION);

        session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.UserPin));
        try
        {
            session.GetInfo().State.ShouldBe(CKS.CKS_RO_USER_FUNCTIONS);
            other.GetInfo().State.ShouldBe(CKS.CKS_RO_USER_FUNCTIONS, "login is per token, for every session of the application");
        }
        finally
        {
            session.Logout();
        }

        session.GetInfo().State.ShouldBe(CKS.CKS_RO_PUBLIC_SESSION);
        other.GetInfo().State.ShouldBe(CKS.CKS_RO_PUBLIC_SESSION);
    }

    [Fact]
    public void A_read_write_session_says_so()
    {
        using var session = Module.OpenSession(QualifiedSlot, readWrite: true);

        var info = session.GetInfo();
        info.SlotId.ShouldBe(QualifiedSlot);
        info.State.ShouldBe(CKS.CKS_RW_PUBLIC_SESSION);
        info.Flags.ShouldBe(CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);

        session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.QualifiedPin));
        try
        {
            session.GetInfo().State.ShouldBe(CKS.CKS_RW_USER_FUNCTIONS);
        }
        finally
        {
            session.Logout();
        }
    }

    [Fact]
    public void A_wrong_pin_surfaces_as_pin_incorrect_and_the_message_names_no_pin()
    {
        using var session = Module.OpenSession(StandardSlot, readWrite: false);
        try
        {
            var error = Should.Throw<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(WrongPin)));

            error.RV.ShouldBe(CKR.CKR_PIN_INCORRECT);
            error.ReturnValueName().ShouldBe("CKR_PIN_INCORRECT");
            error.Method.ShouldBe("C_Login");
            error.Message.ShouldContain("C_Login");
            error.Message.ShouldContain("CKR_PIN_INCORRECT");
            error.ToString().ShouldNotContain(WrongPin);
            error.ToString().ShouldNotContain(SharedSoftHsm.UserPin);
            Pkcs11Errors.ToAgentError(error).ShouldBe(new AgentError(AgentErrorCode.PinIncorrect, "CKR_PIN_INCORRECT"));
            session.GetInfo().State.ShouldBe(CKS.CKS_RO_PUBLIC_SESSION);

            // SoftHSM flags a failed login until the next good one (it never counts down to a lock).
            Module.GetTokenInfo(StandardSlot).Has(CKF.CKF_USER_PIN_COUNT_LOW).ShouldBeTrue();
        }
        finally
        {
            // Leave the token as the other tests expect it: a good login clears the flag.
            session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.UserPin));
            session.Logout();
        }

        Module.GetTokenInfo(StandardSlot).Has(CKF.CKF_USER_PIN_COUNT_LOW).ShouldBeFalse();
    }

    [Fact]
    public void Logging_in_twice_is_reported_by_name()
    {
        // (SoftHSM answers C_Logout without a login with CKR_OK, so that case says nothing about the binding.)
        using var session = Module.OpenSession(StandardSlot, readWrite: false);
        session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.UserPin));
        try
        {
            Should.Throw<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.UserPin)))
                .ReturnValueName().ShouldBe("CKR_USER_ALREADY_LOGGED_IN");
        }
        finally
        {
            session.Logout();
        }
    }

    [Fact]
    public void A_closed_session_handle_is_refused_and_closing_twice_is_harmless()
    {
        var session = Module.OpenSession(StandardSlot, readWrite: false);
        session.Dispose();
        session.Dispose();

        Should.Throw<ObjectDisposedException>(session.GetInfo, "Pkcs11Interop refuses a closed session before the module is asked");
    }

    [Fact]
    public void Close_all_sessions_ends_every_session_of_the_slot()
    {
        using var first = Module.OpenSession(QualifiedSlot, readWrite: false);
        using var second = Module.OpenSession(QualifiedSlot, readWrite: true);
        using var elsewhere = Module.OpenSession(StandardSlot, readWrite: false);

        Module.CloseAllSessions(QualifiedSlot);

        Should.Throw<Pkcs11Exception>(first.GetInfo).RV.ShouldBe(CKR.CKR_SESSION_HANDLE_INVALID);
        Should.Throw<Pkcs11Exception>(second.GetInfo).RV.ShouldBe(CKR.CKR_SESSION_HANDLE_INVALID);
        elsewhere.GetInfo().State.ShouldBe(CKS.CKS_RO_PUBLIC_SESSION);
    }

    [Theory]
    [InlineData(SharedSoftHsm.StandardLabel)]
    [InlineData(SharedSoftHsm.QualifiedLabel)]
    public async Task Public_objects_are_the_ones_pkcs11_tool_lists(string label)
    {
        var slot = _softHsm.Token(label).SlotId;
        using var session = Module.OpenSession(slot, readWrite: false);

        var listed = session.FindObjects().Select(h => Describe(session, h)).ToArray();

        var tool = Pkcs11ToolObjects.Parse((await _softHsm.Workspace.Pkcs11ToolCheckedAsync(["--slot", Slot(slot), "--list-objects"])).Output);
        listed.ShouldBe(tool.Select(o => (o.Kind, o.Label, o.IdHex)), ignoreOrder: true);
        listed.ShouldNotContain(o => o.Kind == "Private Key", "private keys are private objects: invisible before login");
    }

    [Fact]
    public async Task After_login_private_keys_are_found_too_as_pkcs11_tool_sees_them()
    {
        using var session = Module.OpenSession(StandardSlot, readWrite: false);
        session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.UserPin));
        try
        {
            var listed = session.FindObjects().Select(h => Describe(session, h)).ToArray();
            var privateKeys = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY));

            var tool = Pkcs11ToolObjects.Parse((await _softHsm.Workspace.Pkcs11ToolCheckedAsync(
                ["--slot", Slot(StandardSlot), "--login", "--pin", SharedSoftHsm.UserPin, "--list-objects"])).Output);
            listed.ShouldBe(tool.Select(o => (o.Kind, o.Label, o.IdHex)), ignoreOrder: true);
            privateKeys.Select(h => Describe(session, h)).ShouldBe(
                [
                    ("Private Key", SharedSoftHsm.ServiceKeyLabel, SharedSoftHsm.ServiceKeyId),
                    ("Private Key", SharedSoftHsm.OrphanLabel, SharedSoftHsm.OrphanId),
                    ("Private Key", SharedSoftHsm.CommercialLabel, SharedSoftHsm.CommercialKeyId),
                ],
                ignoreOrder: true);
        }
        finally
        {
            session.Logout();
        }
    }

    [Fact]
    public void Criteria_narrow_the_search_and_every_search_is_finished_so_the_next_one_works()
    {
        using var session = Module.OpenSession(StandardSlot, readWrite: false);

        var everything = session.FindObjects();
        var certificates = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE));
        var serviceKey = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_LABEL, SharedSoftHsm.ServiceKeyLabel).Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY));
        var byId = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_ID, Convert.FromHexString(SharedSoftHsm.CommercialCertificateId)));
        var nothing = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_LABEL, "no such object"));
        var everythingAgain = session.FindObjects();

        everything.Count.ShouldBe(4); // three public keys and one certificate
        certificates.Count.ShouldBe(1);
        Describe(session, certificates[0]).ShouldBe(("Certificate", SharedSoftHsm.CommercialLabel, SharedSoftHsm.CommercialCertificateId));
        serviceKey.Count.ShouldBe(1);
        Describe(session, serviceKey[0]).ShouldBe(("Public Key", SharedSoftHsm.ServiceKeyLabel, SharedSoftHsm.ServiceKeyId));
        byId.ShouldBe(certificates);
        nothing.ShouldBeEmpty();
        everythingAgain.ShouldBe(everything, ignoreOrder: true);
    }

    [Fact]
    public void Searches_longer_than_one_batch_return_every_object()
    {
        using var session = Module.OpenSession(_softHsm.Spare.SlotId, readWrite: false);

        var exactlyOneBatch = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_LABEL, SharedSoftHsm.RecordLabel));
        var moreThanOneBatch = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_DATA));
        var last = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_LABEL, SharedSoftHsm.LastRecordLabel));

        exactlyOneBatch.Count.ShouldBe(SharedSoftHsm.RecordCount);
        exactlyOneBatch.Distinct().Count().ShouldBe(SharedSoftHsm.RecordCount);
        moreThanOneBatch.Count.ShouldBe(SharedSoftHsm.RecordCount + 1);
        moreThanOneBatch.ShouldBe(exactlyOneBatch.Concat(last), ignoreOrder: true);
    }

    [Fact]
    public void A_certificates_value_is_the_der_openssl_wrote()
    {
        using var session = Module.OpenSession(QualifiedSlot, readWrite: false);
        var handle = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE)).ShouldHaveSingleItem();

        var attributes = session.GetAttributes(handle, CKA.CKA_CLASS, CKA.CKA_CERTIFICATE_TYPE, CKA.CKA_LABEL, CKA.CKA_ID, CKA.CKA_VALUE);

        AttributeValue.Ulong(attributes[CKA.CKA_CLASS]).ShouldBe((ulong)CKO.CKO_CERTIFICATE);
        AttributeValue.Ulong(attributes[CKA.CKA_CERTIFICATE_TYPE]).ShouldBe((ulong)CKC.CKC_X_509);
        AttributeValue.Text(attributes[CKA.CKA_LABEL]).ShouldBe(SharedSoftHsm.HolderLabel);
        attributes[CKA.CKA_ID].ShouldBe(Convert.FromHexString(SharedSoftHsm.HolderId));
        attributes[CKA.CKA_VALUE].ShouldBe(_softHsm.QualifiedCertificate);
    }

    [Fact]
    public void An_rsa_public_keys_attributes_match_the_key_pkcs11_tool_exported()
    {
        using var session = Module.OpenSession(QualifiedSlot, readWrite: false);
        var handle = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY)).ShouldHaveSingleItem();

        var attributes = session.GetAttributes(
            handle, CKA.CKA_KEY_TYPE, CKA.CKA_MODULUS_BITS, CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_EC_POINT, CKA.CKA_ID, CKA.CKA_TOKEN, CKA.CKA_PRIVATE);

        using var expected = RSA.Create();
        expected.ImportSubjectPublicKeyInfo(_softHsm.HolderPublicKeyInfo, out _);
        var parameters = expected.ExportParameters(includePrivateParameters: false);
        AttributeValue.Ulong(attributes[CKA.CKA_KEY_TYPE]).ShouldBe((ulong)CKK.CKK_RSA);
        AttributeValue.Ulong(attributes[CKA.CKA_MODULUS_BITS]).ShouldBe(2048UL);
        attributes[CKA.CKA_MODULUS].ShouldBe(parameters.Modulus);
        attributes[CKA.CKA_PUBLIC_EXPONENT].ShouldBe(parameters.Exponent);
        attributes[CKA.CKA_EC_POINT].ShouldBeNull("an RSA key has no EC point (CKR_ATTRIBUTE_TYPE_INVALID), and the other attributes still arrive");
        attributes[CKA.CKA_ID].ShouldBe(Convert.FromHexString(SharedSoftHsm.HolderId));
        AttributeValue.Bool(attributes[CKA.CKA_TOKEN]).ShouldBe(true);
        AttributeValue.Bool(attributes[CKA.CKA_PRIVATE]).ShouldBe(false);
    }

    [Fact]
    public void An_ec_public_keys_parameters_and_point_match_the_key_pkcs11_tool_exported()
    {
        using var session = Module.OpenSession(StandardSlot, readWrite: false);
        var handle = session.FindObjects(new AttributeTemplate()
            .Add(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY)
            .Add(CKA.CKA_ID, Convert.FromHexString(SharedSoftHsm.CommercialKeyId))).ShouldHaveSingleItem();

        var attributes = session.GetAttributes(handle, CKA.CKA_KEY_TYPE, CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT, CKA.CKA_MODULUS);

        using var expected = ECDsa.Create();
        expected.ImportSubjectPublicKeyInfo(_softHsm.CommercialPublicKeyInfo, out _);
        var q = expected.ExportParameters(includePrivateParameters: false).Q;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString([0x04, .. q.X!, .. q.Y!]);

        AttributeValue.Ulong(attributes[CKA.CKA_KEY_TYPE]).ShouldBe((ulong)CKK.CKK_EC);
        Convert.ToHexString(attributes[CKA.CKA_EC_PARAMS]!).ShouldBe("06082A8648CE3D030107", "the named curve P-256");
        attributes[CKA.CKA_EC_POINT].ShouldBe(writer.Encode(), "SoftHSM returns the point DER-wrapped, as the standard says");
        attributes[CKA.CKA_MODULUS].ShouldBeNull();
    }

    [Fact]
    public void A_sensitive_private_keys_value_comes_back_null_and_its_other_attributes_arrive()
    {
        using var session = Module.OpenSession(QualifiedSlot, readWrite: false);
        session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.QualifiedPin));
        try
        {
            var handle = session.FindObjects(new AttributeTemplate().Add(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY)).ShouldHaveSingleItem();

            var attributes = session.GetAttributes(
                handle, CKA.CKA_LABEL, CKA.CKA_VALUE, CKA.CKA_ID, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_ALWAYS_AUTHENTICATE, CKA.CKA_SIGN, CKA.CKA_MODULUS_BITS);

            attributes[CKA.CKA_VALUE].ShouldBeNull();
            AttributeValue.Text(attributes[CKA.CKA_LABEL]).ShouldBe(SharedSoftHsm.HolderLabel);
            attributes[CKA.CKA_ID].ShouldBe(Convert.FromHexString(SharedSoftHsm.HolderId));
            AttributeValue.Bool(attributes[CKA.CKA_SENSITIVE]).ShouldBe(true);
            AttributeValue.Bool(attributes[CKA.CKA_EXTRACTABLE]).ShouldBe(false);
            AttributeValue.Bool(attributes[CKA.CKA_ALWAYS_AUTHENTICATE]).ShouldBe(true, "pkcs11-tool --always-auth");
            AttributeValue.Bool(attributes[CKA.CKA_SIGN]).ShouldBe(true);
        }
        finally
        {
            session.Logout();
        }
    }

    [Fact]
    public void Reading_attributes_of_an_object_that_does_not_exist_throws_with_the_name()
    {
        using var session = Module.OpenSession(StandardSlot, readWrite: false);

        var error = Should.Throw<Pkcs11Exception>(() => session.GetAttributes(0xFFFF_FFF0, CKA.CKA_LABEL));

        error.ReturnValueName().ShouldBe("CKR_OBJECT_HANDLE_INVALID");
        error.Method.ShouldBe("C_GetAttributeValue");
    }

    private static (string Kind, string Label, string IdHex) Describe(Pkcs11Session session, ulong handle)
    {
        var attributes = session.GetAttributes(handle, CKA.CKA_CLASS, CKA.CKA_LABEL, CKA.CKA_ID);
        var kind = (CKO)AttributeValue.Ulong(attributes[CKA.CKA_CLASS])!.Value switch
        {
            CKO.CKO_PUBLIC_KEY => "Public Key",
            CKO.CKO_PRIVATE_KEY => "Private Key",
            CKO.CKO_CERTIFICATE => "Certificate",
            CKO.CKO_DATA => "Data",
            CKO.CKO_SECRET_KEY => "Secret Key",
            var other => other.ToString(),
        };
        return (kind, AttributeValue.Text(attributes[CKA.CKA_LABEL]) ?? "", Convert.ToHexString(attributes[CKA.CKA_ID] ?? []));
    }

    private static string Slot(ulong slot) => slot.ToString(CultureInfo.InvariantCulture);
}
