namespace Qtsp.Portal.Ca;

/// <summary>
/// Serialises looking for and creating the CAs between portal instances that share the data folder (and so, by default,
/// the SoftHSM token store in it): an exclusive lock on {data}/ca/creation.lock, which .NET takes with flock on Unix and a
/// share-none open on Windows. The kernel drops it when a process dies, so a crashed instance never blocks the next start.
/// </summary>
internal sealed class CaCreationLock : IDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private readonly FileStream _file;

    private CaCreationLock(FileStream file) => _file = file;

    public static async Task<CaCreationLock> AcquireAsync(string caDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(caDirectory);
        var path = Path.Combine(caDirectory, "creation.lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new CaCreationLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                throw new CaStartupException($"Another portal instance has been holding {path} for longer than {timeout}.", exception);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
