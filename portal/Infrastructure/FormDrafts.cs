using System.Text.Json;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;

namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// What a person has typed into a form, kept in the tab's session storage (encrypted with the portal's data-protection keys)
/// when the page has to go away before it is saved, e.g. when the sign-in expires; the form takes it back when it opens
/// again. A form registers what it holds while it is shown.
/// </summary>
public sealed partial class FormDrafts(ProtectedSessionStorage storage, ILogger<FormDrafts> log)
{
    private readonly Dictionary<string, Func<object>> _open = new(StringComparer.Ordinal);

    /// <summary>Registers an open form under its key (its page's address); dispose when the form goes.</summary>
    public IDisposable Open(string key, Func<object> current)
    {
        _open[key] = current;
        return new Registration(() => _open.Remove(key));
    }

    public async Task SaveOpenFormsAsync()
    {
        foreach (var (key, current) in _open)
        {
            var value = current();
            await storage.SetAsync(StorageKey(key), JsonSerializer.Serialize(value, value.GetType()));
        }
    }

    /// <summary>The draft kept for <paramref name="key"/>, removed from storage; null when there is none (or it cannot be read).</summary>
    public async Task<T?> TakeAsync<T>(string key) where T : class
    {
        try
        {
            var stored = await storage.GetAsync<string>(StorageKey(key));
            if (!stored.Success || stored.Value is null)
            {
                return null;
            }

            await storage.DeleteAsync(StorageKey(key));
            return JsonSerializer.Deserialize<T>(stored.Value);
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or JsonException)
        {
            // Keys rotated or a different form's shape: the draft is unusable, the form starts empty as it would anyway.
            DraftUnreadable(log, exception.GetType().Name);
            await storage.DeleteAsync(StorageKey(key));
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A form draft could not be read ({Type}); it is dropped.")]
    private static partial void DraftUnreadable(ILogger logger, string type);

    private static string StorageKey(string key) => "draft:" + key;

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
