using Qtsp.Agent.Hosting;

WebApplication app;
try
{
    app = AgentHost.Build(args);
}
catch (InvalidOperationException e)
{
    // Configuration the agent refuses (e.g. a non-loopback address): say why, plainly, and stop.
    await Console.Error.WriteLineAsync($"Token agent not started: {e.Message}").ConfigureAwait(false);
    return 2;
}

await using (app.ConfigureAwait(false))
{
    // The port is the session's lock. Asked first, so that a second start starts nothing (no tray icon, no device
    // polling) and logs no error; the bind below still decides when two starts race.
    var url = AgentHost.ConfiguredUrl(app);
    if (await SingleInstance.ProbeAsync(url).ConfigureAwait(false) == PortOwner.Agent)
    {
        return await HandOverAsync(url).ConfigureAwait(false);
    }

    try
    {
        await app.StartAsync().ConfigureAwait(false);
    }
    catch (Exception e) when (SingleInstance.IsAddressInUse(e))
    {
        // The services that started before Kestrel's bind failed are stopped, not just disposed: a background service
        // cancelled by disposal counts as failed, and under Wine the runtime then dies in its finalizers.
        await app.StopAsync().ConfigureAwait(false);
        if (await SingleInstance.ProbeAsync(url).ConfigureAwait(false) == PortOwner.Agent)
        {
            return await HandOverAsync(url).ConfigureAwait(false);
        }

        await Console.Error.WriteLineAsync(
            $"Token agent not started: {url} is taken by another program, not by the token agent. Close that program, or give the agent another port (Agent:Url) in its settings file and in the portal.").ConfigureAwait(false);
        return 3;
    }
    catch (InvalidOperationException e)
    {
        await Console.Error.WriteLineAsync($"Token agent not started: {e.Message}").ConfigureAwait(false);
        return 2;
    }

    await app.WaitForShutdownAsync().ConfigureAwait(false);
    return Environment.ExitCode;
}

static async Task<int> HandOverAsync(string url)
{
    await Console.Out.WriteLineAsync($"The token agent is already running at {url}; this start leaves it to that one.").ConfigureAwait(false);
    return 0;
}
