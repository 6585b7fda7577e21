using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Features.Token;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Tests.Token.TokenSamples;

namespace Qtsp.Portal.Tests.Token;

/// <summary>The secret dialogs' fields and the command properties they fill, as the page's JS sees them.</summary>
public sealed class TokenDialogsTests : TokenComponentTest
{
    private static readonly DeviceSnapshot Etoken = Device(DeviceModelCatalogue.EToken5110Cc, "1", Area(AreaKind.Standard), Area(AreaKind.Qualified));

    public static TheoryData<string> Operations() => ["ChangePin", "Unblock", "Login", "CreateRequest", "Install", "Import", "Delete", "Complaint"];

    private SecretOperation Operation(string name)
    {
        var dialogs = Services.GetRequiredService<TokenDialogs>();
        var (standard, qualified) = (Etoken.Areas[0], Etoken.Areas[1]);
        return name switch
        {
            "ChangePin" => dialogs.ChangePin(Etoken, standard, PinKind.Pin),
            "Unblock" => dialogs.Unblock(Etoken, qualified),
            "Login" => dialogs.Login(Etoken, standard),
            "CreateRequest" => dialogs.CreateRequest(Etoken, qualified, new KeyRequestCommand("op", Etoken.DeviceId, AreaKind.Qualified, KeyAlgorithm.Rsa2048, "Jan", null, null, [1], [], null, false)),
            "Install" => dialogs.Install(Etoken, qualified, [1, 2]),
            "Import" => dialogs.ImportPkcs12(Etoken, standard),
            "Delete" => dialogs.Delete(Etoken, standard, []),
            _ => dialogs.Complaint(Etoken),
        };
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Every_secret_field_fills_a_secret_property_of_the_command_as_it_travels(string name)
    {
        var operation = Operation(name);
        var wire = JsonSerializer.SerializeToElement(operation.Command, operation.Command.GetType(), JsonSerializerOptions.Web);

        foreach (var (field, property) in operation.Secrets)
        {
            operation.Dialog.Fields.ShouldContain(f => f.Name == field && f.RepeatOf == null);
            wire.TryGetProperty(property, out var value).ShouldBeTrue(property);
            value.ValueKind.ShouldBeOneOf(JsonValueKind.Array, JsonValueKind.Null);
        }

        operation.Dialog.Fields.Where(f => f.RepeatOf is null).Select(f => f.Name).ShouldBe(operation.Secrets.Keys, ignoreOrder: true);
        if (operation.FileProperty is { } file)
        {
            wire.TryGetProperty(file, out _).ShouldBeTrue(file);
        }
    }

    [Fact]
    public void The_field_names_are_the_ones_the_page_fills_in()
    {
        Operation("ChangePin").Secrets.ShouldBe(new Dictionary<string, string> { ["current"] = "current", ["new"] = "replacement" });
        Operation("Unblock").Secrets.ShouldBe(new Dictionary<string, string> { ["code"] = "unblockCode", ["new"] = "newPin" });
        Operation("CreateRequest").Secrets.ShouldBe(new Dictionary<string, string> { ["pin"] = "pin", ["qpin"] = "qualifiedPin" });
        Operation("Import").FileProperty.ShouldBe("pkcs12");
        Operation("Complaint").Secrets.Keys.ShouldBe(["pin", "puk", "qualifiedPin", "qualifiedPuk"]);
        Operation("ChangePin").Dialog.Fields.Single(f => f.Name == "repeat").RepeatOf.ShouldBe("new");
    }
}
