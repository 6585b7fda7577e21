namespace Qtsp.Agent.Hosting;

/// <summary>
/// Appends the agent's log to agent.log in Agent:LogFolder: a tray agent started with the session has no terminal.
/// One line per entry, written at once (the agent logs little); the file starts again above 5 MB.
/// </summary>
internal sealed class FileLogProvider : ILoggerProvider
{
    private const long MaximumBytes = 5 * 1024 * 1024;
    private readonly Lock _lock = new();
    private readonly string _path;

    public FileLogProvider(string folder)
    {
        Directory.CreateDirectory(folder);
        _path = Path.Combine(folder, "agent.log");
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            var file = new FileInfo(_path);
            if (file.Exists && file.Length > MaximumBytes)
            {
                File.Move(_path, _path + ".1", overwrite: true);
            }

            File.AppendAllText(_path, line + Environment.NewLine);
        }
    }

    private sealed class FileLogger(FileLogProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var time = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            var line = $"{time} {logLevel} {category}: {formatter(state, exception)}";
            try
            {
                provider.Write(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
            }
            catch (IOException)
            {
                // a full disk or a locked file must not stop the agent
            }
        }
    }
}
