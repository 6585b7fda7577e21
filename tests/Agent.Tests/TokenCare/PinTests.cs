using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;
using static Qtsp.Agent.Tests.TokenCare.TokenCareRig;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>Changing and unblocking the four secrets through the hub, checked on SoftHSM with pkcs11-tool.</summary>
public sealed class PinTests
{
    [Fact]
    public async Task Changing_the_pin_makes_the_new_one_work_and_the_old_one_fail()
    {
        await using var rig = await StartAsync();

        var result = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes(DemoDevice.Pin), Codes("24682468"), false));

        result.Error.ShouldBeNull();
        result.Value.ShouldBe(new PinStatus(PinKind.Pin, PinState.Ok, false));
        (await rig.UserPinWorksAsync(DemoDevice.StandardLabel, "24682468")).ShouldBeTrue();
        (await rig.UserPinWorksAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_new_pin_against_the_models_policy_is_refused_before_the_device_is_asked()
    {
        await using var rig = await StartAsync();

        var tooShort = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Qualified, PinKind.QPin, Codes(DemoDevice.QPin), Codes("12345"), false));
        var diacritics = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes(DemoDevice.Pin), Codes("žluťoučký"), false));

        tooShort.Error.ShouldBe(new AgentError(AgentErrorCode.PinPolicyViolation, Pin: PinKind.QPin, Policy: PinPolicyViolation.TooShort));
        diacritics.Error.ShouldBe(new AgentError(AgentErrorCode.PinPolicyViolation, Pin: PinKind.Pin, Policy: PinPolicyViolation.InvalidCharacter));
        (await rig.UserPinWorksAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).ShouldBeTrue();
        (await rig.AreaAsync(AreaKind.Qualified)).UserPin.State.ShouldBe(PinState.Ok, "no try was spent");
    }

    [Fact]
    public async Task A_wrong_pin_reports_the_tries_state_and_the_next_wrong_one_the_final_try()
    {
        await using var rig = await StartAsync();
        await rig.Device.SetPinStateAsync(DemoDevice.StandardLabel, "user_remaining = 2\n");

        var wrong = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes("9999"), Codes("24682468"), false));

        wrong.Error.ShouldNotBeNull();
        (wrong.Error.Code, wrong.Error.Pin, wrong.Error.PinState, wrong.Error.Pkcs11Code).ShouldBe((AgentErrorCode.PinIncorrect, PinKind.Pin, PinState.FinalTry, "CKR_PIN_INCORRECT"));
        (await rig.AreaAsync(AreaKind.Standard)).UserPin.State.ShouldBe(PinState.FinalTry);
    }

    [Fact]
    public async Task The_final_try_is_never_spent_without_confirmation()
    {
        await using var rig = await StartAsync();
        await rig.Device.SetPinStateAsync(DemoDevice.StandardLabel, "user_remaining = 1\n");

        var unconfirmed = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes("9999"), Codes("24682468"), false));

        unconfirmed.Error.ShouldBe(new AgentError(AgentErrorCode.FinalTryNotConfirmed, Pin: PinKind.Pin, PinState: PinState.FinalTry));
        (await rig.AreaAsync(AreaKind.Standard)).UserPin.State.ShouldBe(PinState.FinalTry, "the device was not asked");

        var confirmed = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes(DemoDevice.Pin), Codes("24682468"), true));
        confirmed.Value.ShouldBe(new PinStatus(PinKind.Pin, PinState.Ok, false));
    }

    [Fact]
    public async Task The_try_that_exhausts_the_pin_reports_it_locked_and_the_puk_unblocks_it()
    {
        await using var rig = await StartAsync();
        await rig.Device.SetPinStateAsync(DemoDevice.StandardLabel, "user_remaining = 1\n");

        var last = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes("9999"), Codes("24682468"), true));
        last.Error!.Code.ShouldBe(AgentErrorCode.PinLocked);
        last.Error.PinState.ShouldBe(PinState.Locked);

        var again = await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), true));
        again.Error.ShouldBe(new AgentError(AgentErrorCode.PinLocked, Pin: PinKind.Pin, PinState: PinState.Locked), "a locked PIN is not even tried");

        var unblocked = await rig.InvokeAsync<PinStatus>(AgentHubContract.UnblockPin, new PinUnblock(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Puk), Codes("13572468"), false));
        unblocked.Value.ShouldBe(new PinStatus(PinKind.Pin, PinState.Ok, false));
        (await rig.UserPinWorksAsync(DemoDevice.StandardLabel, "13572468")).ShouldBeTrue();
    }

    [Fact]
    public async Task The_qpuk_unblocks_the_qpin_and_a_wrong_qpuk_counts()
    {
        await using var rig = await StartAsync();
        await rig.Device.SetPinStateAsync(DemoDevice.QualifiedLabel, "user_locked = 1\n");

        var wrong = await rig.InvokeAsync<PinStatus>(AgentHubContract.UnblockPin, new PinUnblock(rig.DeviceId, AreaKind.Qualified, Codes("000000"), Codes("654321"), false));
        (wrong.Error!.Code, wrong.Error.Pin, wrong.Error.PinState).ShouldBe((AgentErrorCode.PinIncorrect, PinKind.QPuk, PinState.CountLow));
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // the agent's back-off after a wrong unblock code

        var unblocked = await rig.InvokeAsync<PinStatus>(AgentHubContract.UnblockPin, new PinUnblock(rig.DeviceId, AreaKind.Qualified, Codes(DemoDevice.QPuk), Codes("654321"), false));
        unblocked.Value.ShouldBe(new PinStatus(PinKind.QPin, PinState.Ok, false));
        (await rig.UserPinWorksAsync(DemoDevice.QualifiedLabel, "654321")).ShouldBeTrue();
    }

    [Fact]
    public async Task Changing_the_puk_as_security_officer_works_and_the_new_puk_unblocks()
    {
        await using var rig = await StartAsync();

        var changed = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Puk, Codes(DemoDevice.Puk), Codes("87878787"), false));

        changed.Value.ShouldBe(new PinStatus(PinKind.Puk, PinState.Ok, false));
        (await rig.SoPinWorksAsync(DemoDevice.StandardLabel, "87878787")).ShouldBeTrue();
        (await rig.SoPinWorksAsync(DemoDevice.StandardLabel, DemoDevice.Puk)).ShouldBeFalse();
    }

    [Fact]
    public async Task Logging_in_lists_the_private_keys_until_logging_out()
    {
        await using var rig = await StartAsync();
        (await rig.AreaAsync(AreaKind.Qualified)).Keys.ShouldNotContain(k => k.Class == KeyClass.Private);

        var login = await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Qualified, Codes(DemoDevice.QPin), false));

        login.Error.ShouldBeNull();
        var area = await rig.AreaAsync(AreaKind.Qualified);
        (area.LoggedIn, area.PrivateObjectsListed).ShouldBe((true, true));
        var key = area.Keys.Single(k => k.Class == KeyClass.Private);
        (key.Sensitive, key.Extractable, key.AlwaysAuthenticate).ShouldBe((true, false, true));

        (await rig.InvokeAsync<bool>(AgentHubContract.Logout, rig.DeviceId)).Value.ShouldBeTrue();
        (await rig.AreaAsync(AreaKind.Qualified)).Keys.ShouldNotContain(k => k.Class == KeyClass.Private);
    }

    [Fact]
    public async Task No_secret_appears_in_the_agents_log_even_at_trace_level()
    {
        await using var rig = await StartAsync();
        const string New = "Zq9Xw8Ve";
        await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes(DemoDevice.Pin), Codes(New), false));
        await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Pin, Codes("Wr0ngPin"), Codes("Other123"), false));

        (await rig.UserPinWorksAsync(DemoDevice.StandardLabel, New)).ShouldBeTrue();
        rig.Agent.Output.ShouldNotBeEmpty();
        foreach (var secret in new[] { New, "Wr0ngPin", "Other123" })
        {
            rig.Agent.Output.ShouldNotContain(secret);
            rig.Agent.Output.ShouldNotContain(string.Join(",", Codes(secret)));
        }
    }
}
