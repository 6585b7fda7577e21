using System.Text.Json;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;

namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// What a person has typed into a form, kept in the tab's session storage (encrypted with the portal's data-protection keys)
/// when the page has to go away before it is saved, e.g. when the sign-in expires; the form takes it back when it opens
/// again. A form registers what it holds while it is shown. While the circuit lives, what the open forms hold is also
/// written there every few seconds as a checkpoint (<see cref="CheckpointAsync"/>): should the portal instance serving the
/// page stop, the page reloads onto another instance (whose keys read the checkpoint too) and the form takes it back.
/// A form that goes away in the ordinary way (saved, left) drops its checkpoint.
/// </summary>
public sealed partial class FormDrafts(ProtectedSessionStorage storage, ILogger<FormDrafts> log)
{
    private readonly Dictionary<string, Func<object>> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _checkpointed = new(StringComparer.Ordinal);

    /// <summary>Registers an open form under its key (its page's address); dispose when the form goes.</summary>
    public IDisposable Open(string key, Func<object> current)
    {
        _open[key] = current;
        return new Registration(() =>
        {
            _open.Remove(key);
            if (_checkpointed.Remove(key))
            {
                _ = ForgetCheckpointAsync(key);
            }
        });
    }

    /// <summary>Writes what each open form holds into the tab's storage, when it changed since the last checkpoint.</summary>
    public async Task CheckpointAsync()
    {
        foreach (var (key, current) in _open.ToList())
        {
            var value = current();
            var json = JsonSerializer.Serialize(value, value.GetType());
            if (_checkpointed.TryGetValue(key, out var last) && string.Equals(last, json, StringComparison.Ordinal))
            {
                continue;
            }

            await storage.SetAsync(CheckpointKey(key), json);
            _checkpointed[key] = json;
        }
    }

    private async Task ForgetCheckpointAsync(string key)
    {
        try
        {
            await storage.DeleteAsync(CheckpointKey(key));
        }
        catch (Exception exception) when (exception is Microsoft.JSInterop.JSException or Microsoft.JSInterop.JSDisconnectedException or InvalidOperationException or TaskCanceledException)
        {
            // The page is going away with its circuit: the tab's storage goes with the tab, or the next form takes it back.
        }
    }

    public async Task SaveOpenFormsAsync()
    {
        foreach (var (key, current) in _open)
        {
            var value = current();
            await storage.SetAsync(StorageKey(key), JsonSerializer.Serialize(value, value.GetType()));
        }
    }

    /// <summary>
    /// The draft kept for <paramref name="key"/> — one saved when the page had to go, else the last checkpoint — removed
    /// from storage; null when there is none (or it cannot be read).
    /// </summary>
    public async Task<T?> TakeAsync<T>(string key) where T : class
    {
        try
        {
            var stored = await storage.GetAsync<string>(StorageKey(key));
            var checkpoint = await storage.GetAsync<string>(CheckpointKey(key));
            await storage.DeleteAsync(StorageKey(key));
            await storage.DeleteAsync(CheckpointKey(key));
            var value = stored.Success && stored.Value is not null ? stored.Value : checkpoint.Success ? checkpoint.Value : null;
            return value is null ? null : JsonSerializer.Deserialize<T>(value);
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or JsonException)
        {
            // Keys rotated or a different form's shape: the draft is unusable, the form starts empty as it would anyway.
            DraftUnreadable(log, exception.GetType().Name);
            await storage.DeleteAsync(StorageKey(key));
            await storage.DeleteAsync(CheckpointKey(key));
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A form draft could not be read ({Type}); it is dropped.")]
    private static partial void DraftUnreadable(ILogger logger, string type);

    private static string StorageKey(string key) => "draft:" + key;

    private static string CheckpointKey(string key) => "checkpoint:" + key;

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
