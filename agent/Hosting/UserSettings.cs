using Microsoft.Extensions.Configuration.Json;

namespace Qtsp.Agent.Hosting;

/// <summary>
/// The agent's settings in the user's config folder ($XDG_CONFIG_HOME/qtsp-agent/settings.json, ~/.config when unset;
/// %APPDATA%\qtsp-agent\settings.json on Windows), e.g. the allowed portal origins and the PKCS#11 modules of an installed
/// agent. They override appsettings.json; environment variables and the command line override them.
/// </summary>
internal static class UserSettings
{
    public const string FolderName = "qtsp-agent";
    public const string FileName = "settings.json";

    public static string? Path(Func<string, string?> variable, bool windows)
    {
        var folder = windows
            ? variable("APPDATA")
            : variable("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg
            : variable("HOME") is { Length: > 0 } home ? System.IO.Path.Combine(home, ".config")
            : null;
        return folder is null ? null : System.IO.Path.Combine(folder, FolderName, FileName);
    }

    /// <summary>Puts the file right after the app's own JSON files, so that environment and command line still win.</summary>
    public static void AddTo(ConfigurationManager configuration, string? path)
    {
        if (path is null)
        {
            return;
        }

        var sources = ((IConfigurationBuilder)configuration).Sources;
        var source = new JsonConfigurationSource { Path = path, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        var lastJson = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i;
        sources.Insert(lastJson + 1, source);
    }
}
