using System.Globalization;
using System.Text.RegularExpressions;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Pkcs11;

/// <summary>The module-level calls of the binding against SoftHSM2, cross-checked with softhsm2-util and pkcs11-tool.</summary>
[Collection(InProcessSoftHsm.Name)]
public sealed partial class Pkcs11ModuleTests : IAsyncLifetime
{
    private SharedSoftHsm _softHsm = null!;

    private Pkcs11Module Module => _softHsm.Module;

    public async Task InitializeAsync() => _softHsm = await SharedSoftHsm.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Module_info_is_what_pkcs11_tool_reports()
    {
        var info = Module.GetInfo();

        var tool = (await _softHsm.Workspace.Pkcs11ToolCheckedAsync(["--show-info"])).Output;
        info.CryptokiVersion.ShouldBe(Line(tool, "Cryptoki version"));
        info.ManufacturerId.ShouldBe(Line(tool, "Manufacturer"));
        $"{info.LibraryDescription} (ver {info.LibraryVersion})".ShouldBe(Line(tool, "Library"));
        info.ManufacturerId.ShouldBe("SoftHSM");
    }

    [Fact]
    public async Task Slot_list_holds_every_token_and_softhsms_free_slot()
    {
        var all = Module.GetSlotList(tokenPresent: false);
        var present = Module.GetSlotList(tokenPresent: true);

        var tokens = await _softHsm.Workspace.ListTokensAsync();
        tokens.Count.ShouldBe(3);
        all.Distinct().Count().ShouldBe(all.Count, "no slot listed twice");
        all.ShouldContain(_softHsm.Standard.SlotId);
        all.ShouldContain(_softHsm.Qualified.SlotId);
        all.ShouldContain(_softHsm.Spare.SlotId);
        all.Count.ShouldBe(tokens.Count + 1, "SoftHSM always offers one free (uninitialised) slot");

        present.ShouldBeSubsetOf(all);
        foreach (var slot in all)
        {
            var slotInfo = Module.GetSlotInfo(slot);
            present.Contains(slot).ShouldBe(slotInfo.TokenPresent, $"slot 0x{slot:x}");
        }

        var listed = SlotIdLine().Matches((await _softHsm.Workspace.Pkcs11ToolCheckedAsync(["--list-slots"])).Output)
            .Select(m => ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        listed.ShouldBe(all, ignoreOrder: true, "pkcs11-tool -L sees the same slots");
    }

    [Fact]
    public void Slot_info_describes_a_removable_softhsm_slot()
    {
        var slot = _softHsm.Standard.SlotId;
        var info = Module.GetSlotInfo(slot);

        info.Description.ShouldBe($"SoftHSM slot ID 0x{slot:x}");
        info.ManufacturerId.ShouldBe("SoftHSM project");
        info.Flags.ShouldBe(CKF.CKF_TOKEN_PRESENT | CKF.CKF_REMOVABLE_DEVICE, "slots.removable = true in the workspace's softhsm2.conf");
        info.TokenPresent.ShouldBeTrue();
    }

    [Theory]
    [InlineData(SharedSoftHsm.StandardLabel)]
    [InlineData(SharedSoftHsm.QualifiedLabel)]
    [InlineData(SharedSoftHsm.SpareLabel)]
    public async Task Token_info_matches_what_softhsm2_util_and_pkcs11_tool_show(string label)
    {
        var expected = _softHsm.Token(label);
        var token = Module.GetTokenInfo(expected.SlotId);

        token.Label.ShouldBe(label);
        token.SerialNumber.ShouldBe(expected.Serial);
        token.ManufacturerId.ShouldBe("SoftHSM project");
        token.Model.ShouldBe("SoftHSM v2");
        token.Has(CKF.CKF_TOKEN_INITIALIZED).ShouldBeTrue();
        token.Has(CKF.CKF_USER_PIN_INITIALIZED).ShouldBeTrue();
        token.Has(CKF.CKF_LOGIN_REQUIRED).ShouldBeTrue();
        token.Has(CKF.CKF_RNG).ShouldBeTrue();
        (token.Flags & PinStateFlags).ShouldBe(0UL, "SoftHSM never reports PIN retry state");
        token.MinPinLength.ShouldBe(4UL);
        token.MaxPinLength.ShouldBe(255UL);
        token.HardwareVersion.ShouldBe("2.6");

        // pkcs11-tool -L prints the same CK_TOKEN_INFO through OpenSC's own structures.
        var listing = (await _softHsm.Workspace.Pkcs11ToolCheckedAsync(["--list-token-slots"])).Output;
        var block = listing[listing.IndexOf($"(0x{expected.SlotId:x})", StringComparison.Ordinal)..];
        Line(block, "token label").ShouldBe(label);
        Line(block, "serial num").ShouldBe(token.SerialNumber);
        Line(block, "pin min/max").ShouldBe($"{token.MinPinLength}/{token.MaxPinLength}");
    }

    [Fact]
    public void The_free_slot_holds_an_uninitialised_token()
    {
        var free = Module.GetSlotList(tokenPresent: false).Except([_softHsm.Standard.SlotId, _softHsm.Qualified.SlotId, _softHsm.Spare.SlotId]).Single();
        var token = Module.GetTokenInfo(free);

        token.Has(CKF.CKF_TOKEN_INITIALIZED).ShouldBeFalse();
        token.Label.ShouldBeEmpty();
        token.SerialNumber.ShouldBeEmpty();
    }

    [Fact]
    public void A_slot_that_does_not_exist_is_refused_with_the_return_value_named()
    {
        var error = Should.Throw<Pkcs11Exception>(() => Module.GetTokenInfo(0xDEAD_BEEF));

        error.RV.ShouldBe(CKR.CKR_SLOT_ID_INVALID);
        error.ReturnValueName().ShouldBe("CKR_SLOT_ID_INVALID");
        error.Method.ShouldBe("C_GetTokenInfo");
        error.Message.ShouldContain("CKR_SLOT_ID_INVALID");
        Pkcs11Errors.ToAgentError(error).Code.ShouldBe(Qtsp.Shared.Bridge.AgentErrorCode.DeviceRemoved);
    }

    [Fact]
    public async Task Mechanisms_and_their_limits_match_pkcs11_tool()
    {
        var slot = _softHsm.Standard.SlotId;
        var mechanisms = Module.GetMechanismList(slot);
        mechanisms.ShouldContain(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        mechanisms.ShouldContain(CKM.CKM_SHA256_RSA_PKCS);
        mechanisms.ShouldContain(CKM.CKM_EC_KEY_PAIR_GEN);
        mechanisms.ShouldContain(CKM.CKM_ECDSA);

        var tool = (await _softHsm.Workspace.Pkcs11ToolCheckedAsync(["--slot", slot.ToString(CultureInfo.InvariantCulture), "--list-mechanisms"])).Output;
        ToolMechanismCount().Count(tool).ShouldBe(mechanisms.Count);
    }

    [Fact]
    public void Loading_the_same_path_again_returns_the_same_initialised_module()
    {
        var again = Pkcs11Module.Load(SharedSoftHsm.ModulePath);

        again.ShouldBeSameAs(Module);
        again.GetInfo().ManufacturerId.ShouldBe("SoftHSM");
    }

    [Fact]
    public void Symlinked_paths_resolve_to_one_module()
    {
        // Debian: /usr/lib/softhsm/libsofthsm2.so -> ../x86_64-linux-gnu/softhsm/libsofthsm2.so
        var debianLink = new FileInfo(RepositoryPaths.SoftHsmModule);
        debianLink.LinkTarget.ShouldNotBeNull($"{debianLink} is a symbolic link on Debian");
        var target = debianLink.ResolveLinkTarget(returnFinalTarget: true)!.FullName;

        var directory = RepositoryPaths.NewTemporaryDirectory("module-link");
        try
        {
            var ownLink = Path.Combine(directory, "vendor-pkcs11.so");
            File.CreateSymbolicLink(ownLink, RepositoryPaths.SoftHsmModule); // a link to a link

            Pkcs11Module.ResolvePath(RepositoryPaths.SoftHsmModule).ShouldBe(target);
            Pkcs11Module.ResolvePath(ownLink).ShouldBe(target);
            Pkcs11Module.ResolvePath(target).ShouldBe(target);

            var viaTarget = Pkcs11Module.Load(target);
            var viaOwnLink = Pkcs11Module.Load(ownLink);
            viaTarget.ShouldBeSameAs(Module);
            viaOwnLink.ShouldBeSameAs(Module);
            Module.LibraryPath.ShouldBe(target);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Bare_library_names_and_missing_files_are_left_to_the_loader()
    {
        Pkcs11Module.ResolvePath("libsofthsm2.so").ShouldBe("libsofthsm2.so");
        Pkcs11Module.ResolvePath("/nonexistent/vendor/pkcs11.so").ShouldBe("/nonexistent/vendor/pkcs11.so");
    }

    [Fact]
    public void A_missing_library_fails_to_load()
    {
        Should.Throw<UnmanagedException>(() => Pkcs11Module.Load("/nonexistent/vendor/pkcs11.so"));
    }

    [Fact]
    public void A_library_that_is_not_a_pkcs11_module_is_refused_and_not_registered()
    {
        // libz has no C_GetFunctionList.
        var notPkcs11 = Directory.GetFiles("/usr/lib/x86_64-linux-gnu", "libz.so.1*").First();
        Should.Throw<UnmanagedException>(() => Pkcs11Module.Load(notPkcs11));
        Should.Throw<UnmanagedException>(() => Pkcs11Module.Load(notPkcs11), "a failed load must not leave a half-made module behind");
    }

    private const ulong PinStateFlags =
        CKF.CKF_USER_PIN_COUNT_LOW | CKF.CKF_USER_PIN_FINAL_TRY | CKF.CKF_USER_PIN_LOCKED | CKF.CKF_USER_PIN_TO_BE_CHANGED
        | CKF.CKF_SO_PIN_COUNT_LOW | CKF.CKF_SO_PIN_FINAL_TRY | CKF.CKF_SO_PIN_LOCKED | CKF.CKF_SO_PIN_TO_BE_CHANGED;

    /// <summary>The value after "<paramref name="key"/>" (and an optional colon) on the first line that starts with it.</summary>
    private static string Line(string output, string key)
    {
        var line = output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(key, StringComparison.Ordinal));
        return line[key.Length..].TrimStart().TrimStart(':').Trim();
    }

    [GeneratedRegex(@"^Slot \d+ \(0x([0-9a-f]+)\)", RegexOptions.Multiline)]
    private static partial Regex SlotIdLine();

    [GeneratedRegex(@"^  \S.*$", RegexOptions.Multiline)]
    private static partial Regex ToolMechanismCount();
}
