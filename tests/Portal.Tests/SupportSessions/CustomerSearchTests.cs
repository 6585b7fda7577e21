using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.SupportSessions;

/// <summary>Support's customer search: names however they are typed (case, diacritics), on both databases.</summary>
public sealed class CustomerSearchTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_name_is_found_in_lower_case_and_without_diacritics(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var staff = await data.AccountAsync(PortalRoles.Support);
        var surname = "Dvořáková" + TestData.Unique("").Replace("x", "", StringComparison.Ordinal)[..4];
        var customer = await data.AccountAsync(PortalRoles.Holder);
        await data.DbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == customer.UserId);
            user.DisplayName = $"Eliška {surname}";
            return await db.SaveChangesAsync();
        });

        foreach (var term in new[] { surname.ToLowerInvariant(), "dvorakova" + surname[9..], $"ELIŠKA {surname.ToUpperInvariant()}", "eliska dvořák" })
        {
            var found = await data.AsAsync<SupportService, IReadOnlyList<CustomerAccount>>(staff, s => s.SearchAsync(term));

            found.Select(c => c.UserId).ShouldContain(customer.UserId, term);
        }
    }
}
