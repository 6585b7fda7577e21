namespace Qtsp.TestSupport;

/// <summary>Where things are in this repository and on this machine.</summary>
public static class RepositoryPaths
{
    public const string SoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

    public static string Root { get; } = FindRoot();

    public static string SimulatorDirectory => Path.Combine(Root, "tests", "Pkcs11Simulator");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The simulator module, built with gcc when missing or older than its source.</summary>
    public static async Task<string> SimulatorModuleAsync()
    {
        var output = Path.Combine(SimulatorDirectory, "out");
        await ProcessRunner.RunCheckedAsync(Path.Combine(SimulatorDirectory, "build.sh"), [output]).ConfigureAwait(false);
        return Path.Combine(output, "libp11sim.so");
    }

    /// <summary>A fresh directory for one test's files, removed by the caller (or left for post-mortem on failure).</summary>
    public static string NewTemporaryDirectory(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), "qtsp-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes a test's directory; a file still held open by a process being torn down is left for the OS.</summary>
    public static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
