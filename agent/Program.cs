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
    try
    {
        await app.StartAsync().ConfigureAwait(false);
    }
    catch (Exception e) when (SingleInstance.IsAddressInUse(e))
    {
        // The port is the session's lock: the agent already running keeps it, anything else is reported as such.
        var url = AgentHost.ConfiguredUrl(app);
        if (await SingleInstance.ProbeAsync(url).ConfigureAwait(false) == PortOwner.Agent)
        {
            await Console.Out.WriteLineAsync($"The token agent is already running at {url}; this start leaves it to that one.").ConfigureAwait(false);
            return 0;
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
