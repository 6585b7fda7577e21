using System.Diagnostics;
using System.Text;

namespace Qtsp.TestSupport;

public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public string Combined => Output + Error;
}

/// <summary>Runs the independent tools (softhsm2-util, pkcs11-tool, openssl, gcc) the tests verify against.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string file,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        byte[]? standardInput = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(standardInput).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} did not finish in time.");
        }

        return new ProcessResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>Runs and throws, with everything the tool printed, unless it exits with 0.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(
        string file,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        byte[]? standardInput = null)
    {
        var arguments_ = arguments.ToArray();
        var result = await RunAsync(file, arguments_, environment, workingDirectory, standardInput).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var message = new StringBuilder()
                .Append(file).Append(' ').AppendJoin(' ', arguments_).Append(" exited with ").Append(result.ExitCode).AppendLine()
                .AppendLine(result.Output).AppendLine(result.Error);
            throw new InvalidOperationException(message.ToString());
        }

        return result;
    }
}
