using Microsoft.JSInterop;

namespace Qtsp.Portal.Tests.AgentBridge;

/// <summary>Stands in for the page: records what the bridge asks of the JS module and answers with preset values.</summary>
internal sealed class RecordingJSRuntime : IJSRuntime, IJSObjectReference
{
    public List<(string Identifier, object?[] Arguments)> Calls { get; } = [];

    public Func<string, object?[], object?> Answer { get; set; } = (_, _) => null;

    public Exception? ThrowOn { get; set; }

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => InvokeAsync<TValue>(identifier, CancellationToken.None, args);

    public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args)
    {
        Calls.Add((identifier, args ?? []));
        if (ThrowOn is not null)
        {
            throw ThrowOn;
        }

        // The module import answers with the module itself: one recorder for the runtime and the module.
        if (identifier == "import")
        {
            return ValueTask.FromResult((TValue)(object)this);
        }

        return ValueTask.FromResult((TValue)Answer(identifier, args ?? [])!);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
