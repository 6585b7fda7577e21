using System.Globalization;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Tests.Components;

public sealed class PortalTimeTests
{
    private static readonly PortalTime Prague = new(Options.Create(new PortalTimeOptions()));

    [Fact]
    public void An_instant_is_shown_in_Prague_time_with_its_offset_in_the_culture_s_format()
    {
        var winter = new DateTimeOffset(2026, 12, 1, 8, 5, 0, TimeSpan.Zero);
        var summer = new DateTimeOffset(2026, 7, 1, 22, 30, 0, TimeSpan.Zero);

        Prague.DateTime(winter, Qtsp.Portal.Infrastructure.Localization.Czech).ShouldBe("01.12.2026 9:05 (UTC+1)");
        Prague.DateTime(winter, Qtsp.Portal.Infrastructure.Localization.English).ShouldBe("12/1/2026 9:05\u202FAM (UTC+1)");
        Prague.DateTime(summer, Qtsp.Portal.Infrastructure.Localization.Czech).ShouldBe("02.07.2026 0:30 (UTC+2)");
        Prague.Date(summer, Qtsp.Portal.Infrastructure.Localization.Czech).ShouldBe("02.07.2026", "the day in Prague, not the UTC day");
        Prague.Time(summer, Qtsp.Portal.Infrastructure.Localization.English).ShouldBe("12:30\u202FAM (UTC+2)");
    }

    [Fact]
    public void A_mail_argument_takes_the_culture_of_the_text_it_is_formatted_into()
    {
        var stamp = Prague.Stamp(new DateTimeOffset(2026, 12, 1, 8, 5, 0, TimeSpan.Zero));

        string.Format(Qtsp.Portal.Infrastructure.Localization.Czech, "v {0}", stamp).ShouldBe("v 01.12.2026 9:05 (UTC+1)");
        string.Format(Qtsp.Portal.Infrastructure.Localization.English, "at {0}", stamp).ShouldBe("at 12/1/2026 9:05\u202FAM (UTC+1)");
    }

    [Fact]
    public void Another_configured_zone_is_used_and_an_unknown_one_stops_the_portal()
    {
        var utc = new PortalTime(Options.Create(new PortalTimeOptions { TimeZone = "Etc/UTC" }));

        utc.DateTime(new DateTimeOffset(2026, 12, 1, 8, 5, 0, TimeSpan.Zero), CultureInfo.InvariantCulture).ShouldBe("12/01/2026 08:05 (UTC)");
        Should.Throw<InvalidOperationException>(() => new PortalTime(Options.Create(new PortalTimeOptions { TimeZone = "Mars/Olympus" })));
    }
}
