using Microsoft.Extensions.Localization;
using MudBlazor;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// MudBlazor's own texts (the grid's pager, close buttons, "Loading…") from the portal's resources under "Mud.", so a
/// Czech page has no English in it; a text we do not carry falls back to MudBlazor's English.
/// </summary>
public sealed class PortalMudLocalizer(IStringLocalizer<Strings> texts) : MudLocalizer
{
    public const string Prefix = "Mud.";

    public override LocalizedString this[string key]
    {
        get
        {
            var text = texts[Prefix + key];
            return new LocalizedString(key, text.Value, text.ResourceNotFound);
        }
    }
}
