using Qtsp.Agent.Hosting;

try
{
    var app = AgentHost.Build(args);
    await app.RunAsync().ConfigureAwait(false);
    return Environment.ExitCode;
}
catch (InvalidOperationException e)
{
    // Configuration the agent refuses (e.g. a non-loopback address): say why, plainly, and stop.
    await Console.Error.WriteLineAsync($"Token agent not started: {e.Message}").ConfigureAwait(false);
    return 2;
}
