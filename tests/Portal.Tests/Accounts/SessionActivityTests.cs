using Microsoft.Extensions.Options;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>The circuit's idle clock: use keeps the sign-in, idleness ends it once and for good.</summary>
public sealed class SessionActivityTests
{
    private readonly TestClock _clock = new();

    [Fact]
    public void Use_within_the_idle_time_keeps_the_sign_in()
    {
        var activity = Activity(TimeSpan.FromMinutes(30));
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(29));
            activity.Touch();
            activity.ExpiresNow().ShouldBeFalse();
        }

        activity.Expired.ShouldBeFalse();
    }

    [Fact]
    public void The_idle_time_ends_the_sign_in_once_and_later_use_does_not_bring_it_back()
    {
        var activity = Activity(TimeSpan.FromMinutes(30));
        _clock.Advance(TimeSpan.FromMinutes(29) + TimeSpan.FromSeconds(59));
        activity.ExpiresNow().ShouldBeFalse();

        _clock.Advance(TimeSpan.FromSeconds(1));
        activity.ExpiresNow().ShouldBeTrue();
        activity.ExpiresNow().ShouldBeFalse("it is reported once");
        activity.Touch();
        activity.Expired.ShouldBeTrue();
    }

    [Theory]
    [InlineData(1800, 60, 30)]
    [InlineData(12, 3, 1)]
    [InlineData(90, 22.5, 2)]
    public void Pages_report_often_enough_to_renew_the_cookie_and_people_read_whole_minutes(int idleSeconds, double reportSeconds, int minutes)
    {
        var options = new SessionOptions { IdleTimeout = TimeSpan.FromSeconds(idleSeconds) };

        options.ReportInterval.ShouldBe(TimeSpan.FromSeconds(reportSeconds));
        options.IdleMinutes.ShouldBe(minutes);
    }

    private SessionActivity Activity(TimeSpan idle) => new(_clock, Options.Create(new SessionOptions { IdleTimeout = idle }));
}
