using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Bindings;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Applicants;

/// <summary>
/// Authorisation by data: a representative of organisation A gets nothing of organisation B, a holder nothing of another
/// holder — neither through a page address nor an endpoint nor a service call — and every refusal is audited.
/// </summary>
public sealed class DataAuthorisationTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    private sealed record World(
        TestAccount RepresentativeA, Organisation A, Applicant ApplicantA,
        Applicant ApplicantB, Certificate CertificateB, DeviceBinding BindingB,
        TestAccount HolderX, Applicant X, Certificate CertificateX, Certificate CertificateY);

    private static async Task<World> WorldAsync(TestData data)
    {
        var a = await data.OrganisationAsync();
        var b = await data.OrganisationAsync();
        var applicantA = await data.ApplicantAsync(a, "Alena");
        var applicantB = await data.ApplicantAsync(b, "Bohdan");
        var deviceB = await data.DeviceAsync(applicantB);
        var certificateB = await data.CertificateAsync(applicantB, deviceB);
        var bindingB = await data.DbAsync(db => Task.FromResult(db.DeviceBindings.Single(x => x.DeviceId == deviceB.Id)));
        var x = await data.ApplicantAsync(null, "Xaver");
        var y = await data.ApplicantAsync(null, "Yvona");
        return new World(
            await data.AccountAsync(PortalRoles.CompanyRepresentative, a), a, applicantA, applicantB, certificateB, bindingB,
            await data.AccountAsync(PortalRoles.Holder, applicant: x), x, await data.CertificateAsync(x), await data.CertificateAsync(y));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_representative_opening_another_organisations_applicant_by_address_is_refused_and_audited(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);
        using var session = new PortalSession(portals[provider].Address);
        await session.SignInAsync(world.RepresentativeA.UserName, world.RepresentativeA.Password, world.RepresentativeA.AuthenticatorKey);

        foreach (var path in new[] { $"/applicants/{world.ApplicantB.Id}", $"/applicants/{world.ApplicantB.Id}/edit", $"/applicants/{world.ApplicantB.Id}/issue", $"/certificates/{world.CertificateB.Id}" })
        {
            var (status, page) = await session.PageAsync(path);

            // The same answer for "not yours" and "not there" (a 404 would make the framework drop the page's own message).
            status.ShouldBe(HttpStatusCode.Forbidden, path);
            page.QuerySelector("[data-testid=refused]").ShouldNotBeNull(path).TextContent.ShouldContain(Texts.Get("Access.Refused", Texts.Culture("cs")));
            page.Body!.TextContent.ShouldNotContain(world.ApplicantB.LastName, Case.Sensitive, path);
            page.Body.TextContent.ShouldNotContain(world.ApplicantB.Email, Case.Sensitive, path);
        }

        using var download = await session.GetAsync($"/certificates/{world.CertificateB.Id}/download");
        download.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await download.Content.ReadAsByteArrayAsync()).ShouldNotBe(world.CertificateB.Der);

        var refusals = (await data.AuditAsync()).Where(e => e.Action == AuditActions.AccessRefused && e.Actor == world.RepresentativeA.UserName).ToArray();
        refusals.Select(e => e.Subject).ShouldContain(AuditSubjects.Applicant(world.ApplicantB.Id));
        refusals.Select(e => e.Subject).ShouldContain(AuditSubjects.Certificate(world.CertificateB.Id));
        refusals.ShouldAllBe(e => e.SourceAddress == "127.0.0.1");

        // Its own organisation's applicant opens.
        var own = await session.OkPageAsync($"/applicants/{world.ApplicantA.Id}");
        own.QuerySelector("[data-testid=applicant-name]").ShouldNotBeNull().TextContent.ShouldContain(world.ApplicantA.LastName);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_holder_gets_their_own_certificate_and_nobody_elses(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);
        using var session = new PortalSession(portals[provider].Address);
        await session.SignInAsync(world.HolderX.UserName, world.HolderX.Password);

        using (var own = await session.GetAsync($"/certificates/{world.CertificateX.Id}/download"))
        {
            own.StatusCode.ShouldBe(HttpStatusCode.OK);
            own.Content.Headers.ContentType!.MediaType.ShouldBe("application/pkix-cert");
            (await own.Content.ReadAsByteArrayAsync()).ShouldBe(world.CertificateX.Der);
        }

        (await session.OkPageAsync($"/certificates/{world.CertificateX.Id}")).QuerySelector("[data-testid=certificate-subject]").ShouldNotBeNull();
        var list = await session.OkPageAsync("/certificates");
        list.QuerySelectorAll("[data-testid=certificate-row]").Select(r => r.GetAttribute("data-certificate-id")).ShouldBe([world.CertificateX.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        foreach (var other in new[] { world.CertificateY, world.CertificateB })
        {
            using var download = await session.GetAsync($"/certificates/{other.Id}/download");
            download.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await session.PageAsync($"/certificates/{other.Id}")).Status.ShouldBe(HttpStatusCode.Forbidden);
        }

        (await session.PageAsync($"/applicants/{world.ApplicantB.Id}")).Status.ShouldBe(HttpStatusCode.Forbidden);
        var refused = (await data.AuditAsync()).Where(e => e.Action == AuditActions.AccessRefused && e.Actor == world.HolderX.UserName).Select(e => e.Subject).ToArray();
        refused.ShouldContain(AuditSubjects.Certificate(world.CertificateY.Id));
        refused.ShouldContain(AuditSubjects.Certificate(world.CertificateB.Id));
        refused.ShouldContain(AuditSubjects.Applicant(world.ApplicantB.Id));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Every_service_refuses_another_organisations_records_and_changes_nothing(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);
        var before = await data.DbAsync(db => Task.FromResult(db.Applicants.Single(a => a.Id == world.ApplicantB.Id)));
        var input = new ApplicantInput { FirstName = "Hacked", LastName = "Hacked", Email = "h@example.cz", DateOfBirth = new DateOnly(1990, 1, 1) };

        await using var scope = await data.AsAsync(world.RepresentativeA);
        var applicants = scope.ServiceProvider.GetRequiredService<ApplicantService>();
        var certificates = scope.ServiceProvider.GetRequiredService<CertificateService>();
        var bindings = scope.ServiceProvider.GetRequiredService<BindingService>();
        var b = world.ApplicantB.Id;

        await Should.ThrowAsync<AccessRefusedException>(() => applicants.GetAsync(b));
        await Should.ThrowAsync<AccessRefusedException>(() => applicants.ChangeAsync(b, before.Revision, input));
        await Should.ThrowAsync<AccessRefusedException>(() => applicants.BlockAsync(b, "no reason"));
        await Should.ThrowAsync<AccessRefusedException>(() => applicants.UnblockAsync(b));
        await Should.ThrowAsync<AccessRefusedException>(() => applicants.PrepareIssuanceAsync(b, new IssuanceInput { SubjectName = "X Y", Email = "x@example.cz" }));
        await Should.ThrowAsync<AccessRefusedException>(() => applicants.TrailAsync(b));
        await Should.ThrowAsync<AccessRefusedException>(() => certificates.GetAsync(world.CertificateB.Id));
        var revocation = scope.ServiceProvider.GetRequiredService<Qtsp.Portal.Features.Revocation.RevocationService>();
        await Should.ThrowAsync<AccessRefusedException>(() => revocation.RevokeAsync(world.CertificateB.Id, new Qtsp.Portal.Features.Revocation.RevocationInput(RevocationReason.KeyCompromise)));
        await Should.ThrowAsync<AccessRefusedException>(() => bindings.CancelAsync(world.BindingB.Id, "no reason"));
        (await applicants.SearchAsync(new ApplicantQuery(world.ApplicantB.LastName))).Total.ShouldBe(0);
        (await applicants.SearchAsync(new ApplicantQuery())).Items.ShouldAllBe(r => r.Id != b);
        (await certificates.ListAsync()).ShouldAllBe(c => c.Id != world.CertificateB.Id);

        var after = await data.DbAsync(db => Task.FromResult(db.Applicants.Single(a => a.Id == world.ApplicantB.Id)));
        after.LastName.ShouldBe(before.LastName);
        after.IsBlocked.ShouldBeFalse();
        after.Revision.ShouldBe(before.Revision);
        (await data.DbAsync(db => Task.FromResult(db.Certificates.Single(c => c.Id == world.CertificateB.Id).Status))).ShouldBe(CertificateStatus.Issued);
        (await data.DbAsync(db => Task.FromResult(db.DeviceBindings.Single(x => x.Id == world.BindingB.Id).CancelledAtUtc))).ShouldBeNull();
        (await data.DbAsync(db => Task.FromResult(db.CertificateRequests.Count(r => r.ApplicantId == b)))).ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_holder_without_an_organisation_never_sees_the_other_private_applicants(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);
        await using var scope = await data.AsAsync(world.HolderX);
        var applicants = scope.ServiceProvider.GetRequiredService<ApplicantService>();

        var all = await applicants.SearchAsync(new ApplicantQuery(Take: 100));

        all.Items.Select(i => i.Id).ShouldBe([world.X.Id]);
        (await applicants.GetAsync(world.X.Id)).CanManage.ShouldBeFalse("a holder reads their record; the CA or their representative changes it");
        (await applicants.RegisterAsync(new ApplicantInput())).MessageKey.ShouldBe(ApplicantService.NotAllowed);
    }
}
