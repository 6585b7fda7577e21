using Qtsp.Portal.Features.Account;

namespace Qtsp.Portal.Tests.Components;

/// <summary>Signed-in accounts of each kind, for components that take an <see cref="Actor"/>.</summary>
internal static class TestActors
{
    public static Actor Holder() =>
        new("u-holder", "novakova", "Jana Nováková", new HashSet<string> { PortalRoles.Holder }, 1, "Příklad s.r.o.", null, 10);

    public static Actor Representative() =>
        new("u-rep", "dvorak", "Petr Dvořák", new HashSet<string> { PortalRoles.CompanyRepresentative }, 1, "Příklad s.r.o.", "CZ-2024-0001", null);

    public static Actor Support() =>
        new("u-support", "podpora", "Eva Podpůrná", new HashSet<string> { PortalRoles.Support }, null, null, null, null);
}
