using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure.Observability;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Observability;

/// <summary>Every request and every circuit has a correlation id in the log scope; a request answers with its id.</summary>
public sealed class CorrelationIdTests
{
    private static readonly string[] VerboseLogs = ["--Logging:LogLevel:Default", "Debug", "--Logging:LogLevel:Microsoft.AspNetCore", "Debug"];

    [Fact]
    public async Task A_plain_incoming_id_is_kept_in_the_logs_and_answered_and_anything_else_is_replaced()
    {
        var logs = new ScopeCapture();
        await using var server = await PortalServer.StartAsync(logs.Into, VerboseLogs);

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/account/sign-in"))
        {
            request.Headers.Add(CorrelationId.Header, "proxy-4f2a.17");
            using var response = await server.Client.SendAsync(request);
            response.Headers.GetValues(CorrelationId.Header).Single().ShouldBe("proxy-4f2a.17");
        }

        logs.Ids.ShouldContain("proxy-4f2a.17", "the request's log lines carry the id");

        foreach (var hostile in new[] { new string('a', 65), "a b", "<script>", "id;drop" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/account/sign-in");
            request.Headers.TryAddWithoutValidation(CorrelationId.Header, hostile);
            using var response = await server.Client.SendAsync(request);
            var answered = response.Headers.GetValues(CorrelationId.Header).Single();
            answered.ShouldNotBe(hostile);
            answered.ShouldMatch("^[0-9a-f]{32}$");
            logs.Ids.ShouldNotContain(hostile);
        }

        using var plain = await server.Client.GetAsync("/account/sign-in");
        var made = plain.Headers.GetValues(CorrelationId.Header).Single();
        made.ShouldMatch("^[0-9a-f]{32}$");
        logs.Ids.ShouldContain(made);
    }

    [Fact]
    public async Task A_circuit_has_an_id_of_its_own_in_the_log_scope()
    {
        var logs = new ScopeCapture();
        await using var server = await PortalServer.StartAsync(logs.Into, VerboseLogs);
        var data = new TestData(server.App.Services);
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: await data.ApplicantAsync(null, "Okruh"));
        using var session = new PortalSession(server.Address);
        await session.SignInAsync(holder.UserName, holder.Password);
        var cookie = session.Cookies.GetCookies(server.Address).Single(c => c.Name == AccountSetup.CookieName);

        await using (await BlazorCircuitClient.OpenAsync(server.Address, $"{cookie.Name}={cookie.Value}"))
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!logs.Lines.Any(l => l.Message == "Circuit opened") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        var opened = logs.Lines.Single(l => l.Message == "Circuit opened");
        opened.CorrelationId.ShouldNotBeNull().ShouldMatch("^[0-9a-f]{32}$");
    }

    /// <summary>A log provider that reads the scopes as a console formatter with IncludeScopes does.</summary>
    private sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<(string Message, string? CorrelationId)> Lines { get; } = new();

        public IEnumerable<string> Ids => Lines.Select(l => l.CorrelationId).OfType<string>();

        public void Into(IServiceCollection services) => services.AddLogging(logging => logging.AddProvider(this));

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                string? id = null;
                owner._scopes.ForEachScope((scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object>> values && values.FirstOrDefault(v => v.Key == CorrelationId.ScopeKey).Value is string value)
                    {
                        id = value;
                    }
                }, (object?)null);
                owner.Lines.Enqueue((formatter(state, exception), id));
            }
        }
    }
}
