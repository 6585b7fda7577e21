using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Support;

/// <summary>
/// Support sessions: a staff member finds a customer's account and acts as that customer for a limited time, with a
/// reason (the ticket). The customer is told by e-mail; everything done is audited with both identities; the session
/// ends when the staff member ends it or when its time is up (<see cref="CurrentActor"/> closes an expired one).
/// </summary>
public sealed class SupportService(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    MailOutbox outbox,
    RequestOrigin origin,
    AgentBridge.AgentLinks agentLinks,
    IOptions<SupportOptions> options,
    PortalTime portalTime,
    TimeProvider time)
{
    public const string NotStaff = "Support.NotStaff";
    public const string NotACustomer = "Support.NotACustomer";
    public const int ReasonMaxLength = 200;
    public const int MaxResults = 50;

    private static readonly string[] CustomerRoles = [PortalRoles.Holder, PortalRoles.CompanyRepresentative];
    private static readonly string[] StaffRoles = [PortalRoles.Support, PortalRoles.RaOperator, PortalRoles.Admin];

    public async Task<IReadOnlyList<CustomerAccount>> SearchAsync(string? term)
    {
        var actor = await RequireStaffAsync("search").ConfigureAwait(false);
        var clean = InputRules.Clean(term);
        if (clean is null || clean.Length > 100)
        {
            return [];
        }

        var upper = clean.ToUpperInvariant();
        // Names in the form they are stored for searching: "novák", "NOVAK" and "Novák" find the same people.
        var name = SearchText.Normalize(clean);
        return await data.RunAsync<IReadOnlyList<CustomerAccount>>(async db =>
        {
            var customers = db.Users.AsNoTracking()
                .Where(u => db.UserRoles.Any(r => r.UserId == u.Id && db.Roles.Any(role => role.Id == r.RoleId && CustomerRoles.Contains(role.Name!))))
                .Where(u => !db.UserRoles.Any(r => r.UserId == u.Id && db.Roles.Any(role => role.Id == r.RoleId && StaffRoles.Contains(role.Name!))))
                .Where(u => u.Id != actor.UserId)
                .Where(u => u.NormalizedUserName!.Contains(upper) || u.NormalizedEmail!.Contains(upper) || (name.Length > 0 && u.SearchName.Contains(name)) || (u.Organisation != null && (u.Organisation.ContractNumber == clean || u.Organisation.Name.Contains(clean))));
            var found = await customers
                .OrderBy(u => u.DisplayName).ThenBy(u => u.UserName)
                .Take(MaxResults)
                .Select(u => new
                {
                    u.Id, u.UserName, u.DisplayName, u.Email,
                    Organisation = u.Organisation == null ? null : u.Organisation.Name,
                    Contract = u.Organisation == null ? null : u.Organisation.ContractNumber,
                    Roles = db.UserRoles.Where(r => r.UserId == u.Id).Join(db.Roles, r => r.RoleId, r => r.Id, (_, role) => role.Name).ToList(),
                })
                .ToListAsync().ConfigureAwait(false);
            return found.Select(u => new CustomerAccount(u.Id, u.UserName ?? "", u.DisplayName, u.Email, u.Organisation, u.Contract,
                u.Roles.Where(r => r is not null).Select(r => r!).Order(StringComparer.Ordinal).ToArray())).ToArray();
        }).ConfigureAwait(false);
    }

    public async Task<Outcome<long>> StartAsync(string customerUserId, string? reason)
    {
        var actor = await RequireStaffAsync("start").ConfigureAwait(false);
        var errors = new List<FieldError>();
        InputRules.RequiredText(errors, "Reason", reason, ReasonMaxLength);
        if (errors.Count > 0)
        {
            return Outcome.Invalid<long>(errors);
        }

        // The session belongs to this sign-in (this browser), not to the staff account: another sign-in is not inside it.
        var signInSessionId = current.SignInSessionId ?? throw new NotSignedInException();
        var started = await data.RunInTransactionAsync(async db =>
        {
            var customer = await CurrentActor.LoadAsync(db, customerUserId).ConfigureAwait(false);
            if (customer is null || !CustomerRoles.Any(customer.IsInRole) || StaffRoles.Any(customer.IsInRole) || customer.UserId == actor.UserId)
            {
                return Outcome.Refused<long>(NotACustomer);
            }

            var now = time.GetUtcNow().UtcDateTime;
            var session = new SupportSession
            {
                StaffUserId = actor.UserId,
                StaffUserName = actor.UserName,
                CustomerUserId = customer.UserId,
                CustomerUserName = customer.UserName,
                Reason = InputRules.Clean(reason)!,
                StartedAtUtc = now,
                ExpiresAtUtc = now + options.Value.EffectiveLength,
                SourceAddress = origin.Address is { Length: <= 64 } address ? address : null,
                SignInSessionId = signInSessionId,
            };
            db.SupportSessions.Add(session);
            await db.SaveChangesAsync().ConfigureAwait(false);

            var inSession = customer with
            {
                Support = new SupportContext(session.Id, actor.UserId, actor.UserName, actor.DisplayName, session.Reason, session.ExpiresAtUtc, false),
            };
            audit.Add(db, inSession, AuditActions.SupportSessionStarted, AuditSubjects.SupportSession(session.Id),
                new { session.Reason, session.ExpiresAtUtc, customer = customer.UserName });
            var email = await db.Users.Where(u => u.Id == customer.UserId).Select(u => u.Email).SingleAsync().ConfigureAwait(false);
            if (!string.IsNullOrEmpty(email))
            {
                outbox.Enqueue(db, "support.session.started", email,
                    L["Mail.SupportSession.Subject"],
                    L["Mail.SupportSession.Body", customer.DisplayName, actor.DisplayName, session.Reason,
                        portalTime.Stamp(now), (int)options.Value.EffectiveLength.TotalMinutes]);
            }

            await db.SaveChangesAsync().ConfigureAwait(false);
            return Outcome.Done<long>(session.Id);
        }).ConfigureAwait(false);

        if (started.Succeeded)
        {
            // Pages the staff member opened before keep no link to an agent: the device there is not the customer's.
            await agentLinks.CloseAllOfAsync(actor.UserId).ConfigureAwait(false);
        }

        return started;
    }

    /// <summary>Ends the current actor's support session (if any).</summary>
    public async Task EndAsync()
    {
        var actor = await current.GetAsync().ConfigureAwait(false);
        if (actor?.Support is not { } support)
        {
            return;
        }

        await data.RunAsync(async db =>
        {
            var ended = await db.SupportSessions.Where(s => s.Id == support.SessionId && s.EndedAtUtc == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAtUtc, time.GetUtcNow().UtcDateTime).SetProperty(x => x.EndReason, SupportSessionEnd.Ended))
                .ConfigureAwait(false);
            if (ended == 1)
            {
                audit.Add(db, actor, AuditActions.SupportSessionEnded, AuditSubjects.SupportSession(support.SessionId));
                await db.SaveChangesAsync().ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>In a support session, what the staff member looks at is recorded too.</summary>
    public async Task RecordPageViewAsync(string path)
    {
        var actor = await current.GetAsync().ConfigureAwait(false);
        if (actor?.Support is not null)
        {
            await audit.RecordAsync(actor, AuditActions.SupportPageViewed, path.Length <= 256 ? path : path[..256]).ConfigureAwait(false);
        }
    }

    /// <summary>The staff member's recent sessions.</summary>
    public async Task<IReadOnlyList<SupportSession>> RecentSessionsAsync(int take = 20)
    {
        var actor = await RequireStaffAsync("history").ConfigureAwait(false);
        return await data.RunAsync<IReadOnlyList<SupportSession>>(async db => await db.SupportSessions.AsNoTracking()
            .Where(s => s.StaffUserId == actor.UserId).OrderByDescending(s => s.StartedAtUtc).Take(take).ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task<Actor> RequireStaffAsync(string operation)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (!actor.IsSupportStaff)
        {
            throw await audit.RefuseAsync(actor, "support", operation).ConfigureAwait(false);
        }

        return actor;
    }
}

/// <summary>Section "Support".</summary>
public sealed class SupportOptions
{
    public const string Section = "Support";

    /// <summary>The longest a support session may last.</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromMinutes(30);

    /// <summary>How long a session lasts; a policy may make it shorter than 30 minutes, never longer.</summary>
    public TimeSpan SessionLength { get; set; } = MaxLength;

    public TimeSpan EffectiveLength => SessionLength <= TimeSpan.Zero || SessionLength > MaxLength ? MaxLength : SessionLength;
}

public sealed record CustomerAccount(
    string UserId,
    string UserName,
    string DisplayName,
    string? Email,
    string? OrganisationName,
    string? ContractNumber,
    IReadOnlyList<string> Roles);

/// <summary>While a support session is open, the page in the staff member's browser must not reach an agent (the device is at the customer's PC).</summary>
public sealed class SupportSessionAgentLinkPolicy(CurrentActor current) : AgentBridge.IAgentLinkPolicy
{
    public async Task<AgentBridge.AgentLinkDecision> DecideAsync()
    {
        // The layout usually has the actor already; a page that starts the bridge before the layout's lookup ended asks
        // the database itself. When in doubt (the database is unreachable), the link stays off.
        Actor? actor;
        try
        {
            actor = current.LastResolved ?? await current.GetAsync().ConfigureAwait(false);
        }
        catch (Infrastructure.PortalException)
        {
            return new(false, null);
        }

        // The link follows the sign-in of this browser: the staff member's own in a support session.
        return new(actor is not null && actor.Support is null, actor is null ? null : actor.Support?.StaffUserId ?? actor.UserId);
    }
}
