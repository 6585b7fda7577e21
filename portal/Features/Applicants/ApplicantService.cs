using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Applicants;

/// <summary>
/// Applicant management of the company side (search, register, change, block, new data for issuing) and what a holder
/// may see of their own record. Every method resolves the acting account itself and filters by <see cref="DataScope"/>:
/// no page can forget the authorisation. Every change is audited together with the change.
/// </summary>
public sealed class ApplicantService(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    MailOutbox outbox,
    SupportElevation elevation,
    TimeProvider time)
{
    public const string NotAllowed = "Access.NotAllowed";
    public const string Blocked = "Applicants.Blocked";
    public const string Changed = "Applicants.ChangedMeanwhile";
    public const string EmployeeNumberTaken = "Validation.EmployeeNumberTaken";

    /// <summary>How the applicant is reached: in a support session, changing them needs elevation.</summary>
    private static readonly string[] ContactFields = [nameof(Applicant.Email), nameof(Applicant.Phone)];

    public async Task<ApplicantSearchResult> SearchAsync(ApplicantQuery query)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        return await data.RunAsync(db => SearchAsync(db, actor, query)).ConfigureAwait(false);
    }

    /// <summary>The search itself, on a given context (the benchmark measures exactly this).</summary>
    public static async Task<ApplicantSearchResult> SearchAsync(PortalDbContext db, Actor actor, ApplicantQuery query)
    {
        var applicants = db.Applicants.AsNoTracking().VisibleTo(actor);
        var term = query.Search?.Trim() is { Length: > 0 and <= ApplicantQuery.MaxSearchLength } search ? search : null;
        if (term is not null)
        {
            applicants = query.SearchBy switch
            {
                // Whatever the term is, one query: a union of the three searches (each stays an index range).
                ApplicantSearchField.All => new[] { ApplicantSearchField.Name, ApplicantSearchField.EmployeeNumber, ApplicantSearchField.DeviceSerial }
                    .Select(field => Matching(db, applicants, term, field))
                    .OfType<IQueryable<Applicant>>()
                    .Aggregate((IQueryable<Applicant>?)null, (all, next) => all is null ? next : all.Union(next)) ?? applicants.Where(_ => false),
                var field => Matching(db, applicants, term, field) ?? applicants,
            };
        }

        if (query.Blocked is bool blocked)
        {
            applicants = applicants.Where(a => a.IsBlocked == blocked);
        }

        var total = await applicants.CountAsync().ConfigureAwait(false);
        var sorted = (query.Sort, query.Descending) switch
        {
            (ApplicantSort.EmployeeNumber, false) => applicants.OrderBy(a => a.EmployeeNumber).ThenBy(a => a.Id),
            (ApplicantSort.EmployeeNumber, true) => applicants.OrderByDescending(a => a.EmployeeNumber).ThenByDescending(a => a.Id),
            (ApplicantSort.Email, false) => applicants.OrderBy(a => a.Email).ThenBy(a => a.Id),
            (ApplicantSort.Email, true) => applicants.OrderByDescending(a => a.Email).ThenByDescending(a => a.Id),
            (ApplicantSort.Registered, false) => applicants.OrderBy(a => a.CreatedAtUtc).ThenBy(a => a.Id),
            (ApplicantSort.Registered, true) => applicants.OrderByDescending(a => a.CreatedAtUtc).ThenByDescending(a => a.Id),
            (_, false) => applicants.OrderBy(a => a.SearchName).ThenBy(a => a.Id),
            (_, true) => applicants.OrderByDescending(a => a.SearchName).ThenByDescending(a => a.Id),
        };
        var rows = await sorted
            .Skip(Math.Max(0, query.Skip))
            .Take(Math.Clamp(query.Take, 1, ApplicantQuery.MaxTake))
            .Select(a => new { a.Id, a.FirstName, a.LastName, a.Email, a.EmployeeNumber, a.IsBlocked, Organisation = a.Organisation == null ? null : a.Organisation.Name })
            .ToListAsync().ConfigureAwait(false);

        var ids = rows.Select(r => r.Id).ToArray();
        var devices = ids.Length == 0
            ? []
            : await db.DeviceBindings.AsNoTracking()
                .Where(b => ids.Contains(b.ApplicantId) && b.CancelledAtUtc == null)
                .Select(b => new { b.ApplicantId, b.Device.SerialNumber })
                .ToListAsync().ConfigureAwait(false);
        var serials = devices.ToLookup(d => d.ApplicantId, d => d.SerialNumber);
        return new ApplicantSearchResult(
            rows.Select(r => new ApplicantRow(r.Id, r.FirstName, r.LastName, r.Email, r.EmployeeNumber, r.IsBlocked, r.Organisation, [.. serials[r.Id].Order(StringComparer.Ordinal)])).ToArray(),
            total);
    }

    /// <summary>The applicants whose <paramref name="field"/> starts with <paramref name="term"/>; null when the term cannot match that field.</summary>
    private static IQueryable<Applicant>? Matching(PortalDbContext db, IQueryable<Applicant> applicants, string term, ApplicantSearchField field)
    {
        switch (field)
        {
            case ApplicantSearchField.Name:
                var name = SearchText.Normalize(term);
                if (name.Length == 0)
                {
                    return null;
                }

                var end = SearchText.PrefixEnd(name);
                // "Novák J…" or "Jan Nov…": a range on each name index. SQLite runs an OR of the two ranges as two index
                // searches (MULTI-INDEX OR); PostgreSQL instead walks the whole organisation in name order, so there the
                // two ranges are united (measured: tests/Portal.Tests/Benchmarks/ApplicantSearchBenchmark).
                return db.Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL"
                    ? applicants.Where(a => a.SearchName.CompareTo(name) >= 0 && a.SearchName.CompareTo(end) < 0)
                        .Union(applicants.Where(a => a.SearchNameReversed.CompareTo(name) >= 0 && a.SearchNameReversed.CompareTo(end) < 0))
                    : applicants.Where(a =>
                        (a.SearchName.CompareTo(name) >= 0 && a.SearchName.CompareTo(end) < 0)
                        || (a.SearchNameReversed.CompareTo(name) >= 0 && a.SearchNameReversed.CompareTo(end) < 0));
            case ApplicantSearchField.EmployeeNumber:
                var number = term.ToUpperInvariant();
                var numberEnd = number + char.MaxValue;
                return applicants.Where(a => a.EmployeeNumber != null && a.EmployeeNumber.CompareTo(number) >= 0 && a.EmployeeNumber.CompareTo(numberEnd) < 0);
            case ApplicantSearchField.DeviceSerial:
                var serial = NormalizeSerial(term);
                if (serial.Length == 0)
                {
                    return null;
                }

                var serialEnd = serial + char.MaxValue;
                return applicants.Where(a => db.DeviceBindings.Any(b => b.ApplicantId == a.Id
                    && b.Device.SerialNumber.CompareTo(serial) >= 0 && b.Device.SerialNumber.CompareTo(serialEnd) < 0));
            default:
                return null;
        }
    }

    public static string NormalizeSerial(string serial) => new string(serial.Where(c => !char.IsWhiteSpace(c)).ToArray()).ToUpperInvariant();

    /// <summary>One applicant with devices, certificates and requests; refused (and audited) unless the actor may see it.</summary>
    public async Task<ApplicantDetail> GetAsync(long id)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var detail = await data.RunAsync(async db =>
        {
            var applicant = await db.Applicants.AsNoTracking().Include(a => a.Organisation).VisibleTo(actor).SingleOrDefaultAsync(a => a.Id == id).ConfigureAwait(false);
            if (applicant is null)
            {
                return null;
            }

            var bindings = await db.DeviceBindings.AsNoTracking().Include(b => b.Device)
                .Where(b => b.ApplicantId == id).OrderByDescending(b => b.CreatedAtUtc).ToListAsync().ConfigureAwait(false);
            var certificates = await db.Certificates.AsNoTracking().Include(c => c.Device)
                .Where(c => c.ApplicantId == id).OrderByDescending(c => c.NotAfterUtc)
                .Select(c => new CertificateSummary(c.Id, c.SerialNumber, c.Subject, c.Issuer, c.Type, c.Status, c.NotBeforeUtc, c.NotAfterUtc, c.Device == null ? null : c.Device.SerialNumber))
                .ToListAsync().ConfigureAwait(false);
            var requests = await db.CertificateRequests.AsNoTracking().Include(r => r.Device)
                .Where(r => r.ApplicantId == id).OrderByDescending(r => r.CreatedAtUtc)
                .Select(r => new RequestSummary(r.Id, r.RequestNumber, r.Type, r.Kind, r.Status, r.SubjectName, r.ValidityMonths, r.CreatedAtUtc, r.Device == null ? null : r.Device.SerialNumber))
                .ToListAsync().ConfigureAwait(false);
            var manageable = await db.Applicants.ManageableBy(actor).AnyAsync(a => a.Id == id).ConfigureAwait(false);
            var now = time.GetUtcNow().UtcDateTime;
            var devices = bindings.Select(b => new BindingSummary(
                b.Id, b.DeviceId, b.Device.SerialNumber, DeviceModelName(b.Device.ModelId), b.Device.QscdCertifiedUntil, b.CreatedAtUtc, b.CreatedBy, b.CancelledAtUtc, b.CancelledBy,
                certificates.Count(c => c.DeviceSerial == b.Device.SerialNumber && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now))).ToArray();
            return new ApplicantDetail(applicant, applicant.Organisation?.MultiYearAllowed ?? false, devices, certificates, requests, manageable);
        }).ConfigureAwait(false);

        if (detail is null)
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Applicant(id), "view").ConfigureAwait(false);
        }

        return detail;
    }

    public static string DeviceModelName(string modelId) =>
        DeviceModelCatalogue.All.FirstOrDefault(m => m.Id == modelId)?.DisplayName ?? modelId;

    public async Task<Outcome<long>> RegisterAsync(ApplicantInput input)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (!actor.IsRepresentative)
        {
            await audit.RecordRefusalAsync(actor, "applicant:new", "register").ConfigureAwait(false);
            return Outcome.Refused<long>(NotAllowed);
        }

        var organisationId = actor.OrganisationId!.Value;
        return await data.RunInTransactionAsync(async db =>
        {
            var organisation = await db.Organisations.AsNoTracking().SingleAsync(o => o.Id == organisationId).ConfigureAwait(false);
            var errors = Validate(input, organisation.MultiYearAllowed);
            var employeeNumber = CleanEmployeeNumber(input.EmployeeNumber);
            if (errors.Count == 0 && employeeNumber is not null
                && await db.Applicants.AnyAsync(a => a.OrganisationId == organisationId && a.EmployeeNumber == employeeNumber).ConfigureAwait(false))
            {
                errors.Add(new(nameof(ApplicantInput.EmployeeNumber), EmployeeNumberTaken));
            }

            if (errors.Count > 0)
            {
                return Outcome.Invalid<long>(errors);
            }

            var now = time.GetUtcNow().UtcDateTime;
            var applicant = new Applicant
            {
                OrganisationId = organisationId,
                FirstName = "",
                LastName = "",
                Email = "",
                CreatedAtUtc = now,
                UpdatedAtUtc = now,
            };
            Apply(applicant, input);
            if (actor.Support is { } support)
            {
                // Entered by support staff: nothing is sent to it until the customer confirms it (PendingEmails).
                applicant.EmailEnteredInSupportSessionId = support.SessionId;
            }

            db.Applicants.Add(applicant);
            if (!await TrySaveAsync(db).ConfigureAwait(false))
            {
                return Outcome.Invalid<long>([new(nameof(ApplicantInput.EmployeeNumber), EmployeeNumberTaken)]);
            }

            // The event names the applicant's id, which exists only once the row is inserted: both saves are one transaction.
            audit.Add(db, actor, AuditActions.ApplicantRegistered, AuditSubjects.Applicant(applicant.Id), Snapshot(applicant));
            await db.SaveChangesAsync().ConfigureAwait(false);
            return Outcome.Done<long>(applicant.Id);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Changes an applicant's data. In a support session a change of contact data (e-mail, phone) needs the staff member's
    /// elevation (<see cref="SupportElevation"/>), and a new e-mail address is only proposed (<see cref="PendingEmails"/>):
    /// it takes effect, and receives mail, once the customer confirms it signed in themselves.
    /// </summary>
    public async Task<Outcome> ChangeAsync(long id, int revision, ApplicantInput input, string? elevationCode = null)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        return await data.RunAsync<Outcome>(async db =>
        {
            var applicant = await db.Applicants.Include(a => a.Organisation).ManageableBy(actor).SingleOrDefaultAsync(a => a.Id == id).ConfigureAwait(false);
            if (applicant is null)
            {
                throw await audit.RefuseAsync(actor, AuditSubjects.Applicant(id), "change").ConfigureAwait(false);
            }

            if (applicant.Revision != revision)
            {
                return Outcome.Refused(Changed);
            }

            var errors = Validate(input, applicant.Organisation?.MultiYearAllowed ?? false, applicant.OrganisationId is null);
            var employeeNumber = CleanEmployeeNumber(input.EmployeeNumber);
            if (errors.Count == 0 && employeeNumber is not null && applicant.OrganisationId is long organisationId
                && await db.Applicants.AnyAsync(a => a.OrganisationId == organisationId && a.EmployeeNumber == employeeNumber && a.Id != id).ConfigureAwait(false))
            {
                errors.Add(new(nameof(ApplicantInput.EmployeeNumber), EmployeeNumberTaken));
            }

            if (errors.Count > 0)
            {
                return Outcome.Invalid(errors);
            }

            var before = Snapshot(applicant);
            Apply(applicant, input);
            var after = Snapshot(applicant);
            var changed = before.Where(b => !Equals(b.Value, after[b.Key])).Select(b => b.Key).ToArray();
            if (changed.Length == 0)
            {
                return Outcome.Success;
            }

            if (actor.Support is { } support && changed.Any(ContactFields.Contains))
            {
                if (await elevation.CheckAsync(actor, elevationCode, "applicant.contact", AuditSubjects.Applicant(id)).ConfigureAwait(false) is { } refusal)
                {
                    return Outcome.Refused(refusal);
                }

                if (changed.Contains(nameof(Applicant.Email)))
                {
                    await PendingEmails.ProposeAsync(db, audit, outbox, actor, support, applicant, (string)before[nameof(Applicant.Email)]!).ConfigureAwait(false);
                    after = Snapshot(applicant);
                    changed = [.. changed.Where(c => c != nameof(Applicant.Email))];
                }
            }

            applicant.Revision++;
            applicant.UpdatedAtUtc = time.GetUtcNow().UtcDateTime;
            if (changed.Length > 0)
            {
                audit.Add(db, actor, AuditActions.ApplicantChanged, AuditSubjects.Applicant(id),
                    new { changed, before = changed.ToDictionary(k => k, k => before[k]), after = changed.ToDictionary(k => k, k => after[k]) });
            }

            try
            {
                return await TrySaveAsync(db).ConfigureAwait(false)
                    ? Outcome.Success
                    : Outcome.Invalid([new(nameof(ApplicantInput.EmployeeNumber), EmployeeNumberTaken)]);
            }
            catch (DbUpdateConcurrencyException)
            {
                return Outcome.Refused(Changed);
            }
        }).ConfigureAwait(false);
    }

    public async Task<Outcome> BlockAsync(long id, string? reason, string? elevationCode = null)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var errors = new List<FieldError>();
        InputRules.RequiredText(errors, "Reason", reason, Applicant.ReasonMaxLength);
        await EnsureManageableAsync(actor, id, "block").ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        if (await elevation.CheckAsync(actor, elevationCode, "applicant.block", AuditSubjects.Applicant(id)).ConfigureAwait(false) is { } refusal)
        {
            return Outcome.Refused(refusal);
        }

        return await data.RunAsync<Outcome>(async db =>
        {
            var applicant = await db.Applicants.ManageableBy(actor).SingleAsync(a => a.Id == id).ConfigureAwait(false);
            if (applicant.IsBlocked)
            {
                return Outcome.Success;
            }

            applicant.IsBlocked = true;
            applicant.BlockedAtUtc = time.GetUtcNow().UtcDateTime;
            applicant.BlockedReason = InputRules.Clean(reason);
            applicant.Revision++;
            applicant.UpdatedAtUtc = applicant.BlockedAtUtc.Value;
            audit.Add(db, actor, AuditActions.ApplicantBlocked, AuditSubjects.Applicant(id), new { reason = applicant.BlockedReason });

            // A blocked applicant gets no certificate: whatever is still open is withdrawn with the block, in one save.
            var open = await db.CertificateRequests
                .Where(r => r.ApplicantId == id && (r.Status == RequestStatus.Prepared || r.Status == RequestStatus.Submitted || r.Status == RequestStatus.Verified))
                .ToListAsync().ConfigureAwait(false);
            foreach (var request in open)
            {
                request.Status = RequestStatus.Withdrawn;
                request.DecidedAtUtc = applicant.BlockedAtUtc;
                request.DecidedBy = actor.AuditActor;
                request.RejectionReason = applicant.BlockedReason;
                audit.Add(db, actor, AuditActions.RequestWithdrawn, AuditSubjects.Request(request.Id), new { request.RequestNumber, reason = applicant.BlockedReason ?? "" });
            }

            await db.SaveChangesAsync().ConfigureAwait(false);
            return Outcome.Success;
        }).ConfigureAwait(false);
    }

    /// <summary>Lifts a block; in a support session only with the staff member's elevation (it opens the way to new certificates).</summary>
    public async Task<Outcome> UnblockAsync(long id, string? elevationCode = null)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        await EnsureManageableAsync(actor, id, "unblock").ConfigureAwait(false);
        if (await elevation.CheckAsync(actor, elevationCode, "applicant.unblock", AuditSubjects.Applicant(id)).ConfigureAwait(false) is { } refusal)
        {
            return Outcome.Refused(refusal);
        }

        return await data.RunAsync<Outcome>(async db =>
        {
            var applicant = await db.Applicants.ManageableBy(actor).SingleAsync(a => a.Id == id).ConfigureAwait(false);
            if (!applicant.IsBlocked)
            {
                return Outcome.Success;
            }

            var reason = applicant.BlockedReason;
            applicant.IsBlocked = false;
            applicant.BlockedAtUtc = null;
            applicant.BlockedReason = null;
            applicant.Revision++;
            applicant.UpdatedAtUtc = time.GetUtcNow().UtcDateTime;
            audit.Add(db, actor, AuditActions.ApplicantUnblocked, AuditSubjects.Applicant(id), new { previousReason = reason });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return Outcome.Success;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// "New data for issuing a certificate to a registered applicant": a prepared request with its ID, which the applicant
    /// completes from the device. Refused for a blocked applicant, and for a qualified certificate into a device whose QSCD
    /// certification has ended.
    /// </summary>
    /// <remarks>
    /// In a support session it needs the staff member's elevation, and the request goes only to the applicant's address
    /// on record as the customer confirmed it: an address entered in the session receives nothing before that.
    /// </remarks>
    public async Task<Outcome<string>> PrepareIssuanceAsync(long id, IssuanceInput input, string? elevationCode = null)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        await EnsureManageableAsync(actor, id, "prepare-issuance").ConfigureAwait(false);
        return await data.RunAsync(async db =>
        {
            var applicant = await db.Applicants.Include(a => a.Organisation).ManageableBy(actor).SingleAsync(a => a.Id == id).ConfigureAwait(false);
            if (applicant.IsBlocked)
            {
                return Outcome.Refused<string>(Blocked);
            }

            var errors = new List<FieldError>();
            if (!Enum.IsDefined(input.Type))
            {
                errors.Add(new(nameof(IssuanceInput.Type), InputRules.Required));
            }

            InputRules.RequiredText(errors, nameof(IssuanceInput.SubjectName), input.SubjectName, 2 * Applicant.NameMaxLength + 1);
            if (errors.Count == 0 && !errors.Any(e => e.Field == nameof(IssuanceInput.SubjectName)) && input.Type != CertificateType.Seal)
            {
                InputRules.PersonName(errors, nameof(IssuanceInput.SubjectName), input.SubjectName, 2 * Applicant.NameMaxLength + 1);
            }

            InputRules.EmailAddress(errors, nameof(IssuanceInput.Email), input.Email, Applicant.EmailMaxLength);
            InputRules.PhoneNumber(errors, nameof(IssuanceInput.Phone), input.Phone, Applicant.PhoneMaxLength);
            var multiYear = applicant.MultiYearAllowed && (applicant.Organisation?.MultiYearAllowed ?? true);
            if (input.ValidityMonths is not (12 or 24 or 36))
            {
                errors.Add(new(nameof(IssuanceInput.ValidityMonths), "Validation.Validity"));
            }
            else if (input.ValidityMonths > 12 && !multiYear)
            {
                errors.Add(new(nameof(IssuanceInput.ValidityMonths), "Validation.MultiYearNotAllowed"));
            }

            SecureDevice? device = null;
            if (input.DeviceId is long deviceId)
            {
                device = await db.DeviceBindings.Where(b => b.ApplicantId == id && b.DeviceId == deviceId && b.CancelledAtUtc == null)
                    .Select(b => b.Device).SingleOrDefaultAsync().ConfigureAwait(false);
                var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
                if (device is null)
                {
                    errors.Add(new(nameof(IssuanceInput.DeviceId), "Validation.DeviceNotBound"));
                }
                else if (input.Type != CertificateType.Commercial && device.QscdCertifiedUntil is DateOnly until && until <= today)
                {
                    errors.Add(new(nameof(IssuanceInput.DeviceId), "Validation.DeviceNotQscd", until));
                }
            }

            if (actor.Support is not null && !errors.Any(e => e.Field == nameof(IssuanceInput.Email))
                && (applicant.EmailUnconfirmed || !string.Equals(InputRules.Clean(input.Email), applicant.Email, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add(new(nameof(IssuanceInput.Email), PendingEmails.UnconfirmedAddress));
            }

            if (errors.Count > 0)
            {
                return Outcome.Invalid<string>(errors);
            }

            if (await elevation.CheckAsync(actor, elevationCode, "request.prepare", AuditSubjects.Applicant(id)).ConfigureAwait(false) is { } refusal)
            {
                return Outcome.Refused<string>(refusal);
            }

            var request = new CertificateRequest
            {
                RequestNumber = RequestNumbers.New(input.Type),
                Type = input.Type,
                Kind = await db.Certificates.AnyAsync(c => c.ApplicantId == id).ConfigureAwait(false) ? RequestKind.Subsequent : RequestKind.Initial,
                Status = RequestStatus.Prepared,
                ApplicantId = id,
                DeviceId = device?.Id,
                SubjectName = InputRules.Clean(input.SubjectName)!,
                Email = InputRules.Clean(input.Email)!,
                Phone = InputRules.Clean(input.Phone),
                ValidityMonths = input.ValidityMonths,
                CreatedAtUtc = time.GetUtcNow().UtcDateTime,
                CreatedBy = actor.AuditActor,
            };
            db.CertificateRequests.Add(request);
            audit.Add(db, actor, AuditActions.RequestPrepared, AuditSubjects.Applicant(id), new
            {
                request.RequestNumber, type = request.Type.ToString(), request.SubjectName, request.Email, request.ValidityMonths, device = device?.SerialNumber,
            });
            outbox.Enqueue(db, "request.prepared", request.Email,
                L["Mail.RequestPrepared.Subject", request.RequestNumber],
                L["Mail.RequestPrepared.Body", request.SubjectName, request.RequestNumber]);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await db.SaveChangesAsync().ConfigureAwait(false);
                    return Outcome.Done<string>(request.RequestNumber);
                }
                catch (DbUpdateException exception) when (DataAccess.IsUniqueViolation(exception) && attempt < 3)
                {
                    request.RequestNumber = RequestNumbers.New(input.Type); // a number already taken: draw another
                }
            }
        }).ConfigureAwait(false);
    }

    /// <summary>The audit trail of one applicant, newest first (refusals of others' attempts are not shown to the customer).</summary>
    public async Task<IReadOnlyList<AuditEvent>> TrailAsync(long id, int take = 200)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        await EnsureVisibleAsync(actor, id, "trail").ConfigureAwait(false);
        var subject = AuditSubjects.Applicant(id);
        return await data.RunAsync<IReadOnlyList<AuditEvent>>(async db => await db.AuditEvents.AsNoTracking()
            .Where(a => a.Subject == subject && a.Action != AuditActions.AccessRefused)
            .OrderByDescending(a => a.OccurredAtUtc).ThenByDescending(a => a.Id)
            .Take(take)
            .ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task EnsureVisibleAsync(Actor actor, long id, string operation)
    {
        if (!await data.RunAsync(db => db.Applicants.VisibleTo(actor).AnyAsync(a => a.Id == id)).ConfigureAwait(false))
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Applicant(id), operation).ConfigureAwait(false);
        }
    }

    private async Task EnsureManageableAsync(Actor actor, long id, string operation)
    {
        if (!await data.RunAsync(db => db.Applicants.ManageableBy(actor).AnyAsync(a => a.Id == id)).ConfigureAwait(false))
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Applicant(id), operation).ConfigureAwait(false);
        }
    }

    private static async Task<bool> TrySaveAsync(PortalDbContext db)
    {
        try
        {
            await db.SaveChangesAsync().ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException exception) when (exception is not DbUpdateConcurrencyException && DataAccess.IsUniqueViolation(exception))
        {
            return false;
        }
    }

    public static List<FieldError> Validate(ApplicantInput input, bool organisationAllowsMultiYear, bool privateApplicant = false)
    {
        var errors = new List<FieldError>();
        InputRules.PersonName(errors, nameof(ApplicantInput.FirstName), input.FirstName, Applicant.NameMaxLength);
        InputRules.PersonName(errors, nameof(ApplicantInput.LastName), input.LastName, Applicant.NameMaxLength);
        InputRules.EmailAddress(errors, nameof(ApplicantInput.Email), input.Email, Applicant.EmailMaxLength);
        InputRules.PhoneNumber(errors, nameof(ApplicantInput.Phone), input.Phone, Applicant.PhoneMaxLength);

        var employeeNumber = CleanEmployeeNumber(input.EmployeeNumber);
        if (employeeNumber is not null)
        {
            if (employeeNumber.Length > Applicant.EmployeeNumberMaxLength)
            {
                errors.Add(new(nameof(ApplicantInput.EmployeeNumber), InputRules.TooLong, Applicant.EmployeeNumberMaxLength));
            }
            else if (!InputRules.EmployeeNumberPattern().IsMatch(employeeNumber))
            {
                errors.Add(new(nameof(ApplicantInput.EmployeeNumber), InputRules.EmployeeNumber));
            }
        }

        var identifier = InputRules.Clean(input.PersonalIdentifier);
        if (identifier is not null)
        {
            if (identifier.Length > Applicant.PersonalIdentifierMaxLength)
            {
                errors.Add(new(nameof(ApplicantInput.PersonalIdentifier), InputRules.TooLong, Applicant.PersonalIdentifierMaxLength));
            }
            else if (!InputRules.PersonalIdentifierPattern().IsMatch(identifier))
            {
                errors.Add(new(nameof(ApplicantInput.PersonalIdentifier), InputRules.PersonalIdentifier));
            }
        }

        if (input.DateOfBirth is DateOnly born && (born < new DateOnly(1900, 1, 1) || born > DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-15)))
        {
            errors.Add(new(nameof(ApplicantInput.DateOfBirth), InputRules.DateOfBirth));
        }

        if (input.DateOfBirth is null && identifier is null)
        {
            errors.Add(new(nameof(ApplicantInput.DateOfBirth), "Validation.IdentityRequired"));
        }

        if (input.MultiYearAllowed && !organisationAllowsMultiYear && !privateApplicant)
        {
            errors.Add(new(nameof(ApplicantInput.MultiYearAllowed), "Validation.MultiYearNotAllowed"));
        }

        return errors;
    }

    private static string? CleanEmployeeNumber(string? value) => InputRules.Clean(value)?.ToUpperInvariant();

    private static void Apply(Applicant applicant, ApplicantInput input)
    {
        applicant.FirstName = InputRules.Clean(input.FirstName)!;
        applicant.LastName = InputRules.Clean(input.LastName)!;
        applicant.Email = InputRules.Clean(input.Email)!;
        applicant.Phone = InputRules.Clean(input.Phone);
        applicant.EmployeeNumber = CleanEmployeeNumber(input.EmployeeNumber);
        applicant.DateOfBirth = input.DateOfBirth;
        applicant.PersonalIdentifier = InputRules.Clean(input.PersonalIdentifier);
        applicant.MultiYearAllowed = input.MultiYearAllowed;
        applicant.UpdateSearchKeys();
    }

    private static Dictionary<string, object?> Snapshot(Applicant applicant) => new()
    {
        [nameof(Applicant.FirstName)] = applicant.FirstName,
        [nameof(Applicant.LastName)] = applicant.LastName,
        [nameof(Applicant.Email)] = applicant.Email,
        [nameof(Applicant.Phone)] = applicant.Phone,
        [nameof(Applicant.EmployeeNumber)] = applicant.EmployeeNumber,
        [nameof(Applicant.DateOfBirth)] = applicant.DateOfBirth?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        [nameof(Applicant.PersonalIdentifier)] = applicant.PersonalIdentifier,
        [nameof(Applicant.MultiYearAllowed)] = applicant.MultiYearAllowed,
    };
}

public sealed record ApplicantDetail(
    Applicant Applicant,
    bool OrganisationAllowsMultiYear,
    IReadOnlyList<BindingSummary> Devices,
    IReadOnlyList<CertificateSummary> Certificates,
    IReadOnlyList<RequestSummary> Requests,
    bool CanManage);

public sealed record BindingSummary(
    long BindingId,
    long DeviceId,
    string Serial,
    string Model,
    DateOnly? QscdCertifiedUntil,
    DateTime CreatedAtUtc,
    string CreatedBy,
    DateTime? CancelledAtUtc,
    string? CancelledBy,
    int ValidCertificates)
{
    public bool IsActive => CancelledAtUtc is null;
}

public sealed record CertificateSummary(
    long Id,
    string SerialNumber,
    string Subject,
    string Issuer,
    CertificateType Type,
    CertificateStatus Status,
    DateTime NotBeforeUtc,
    DateTime NotAfterUtc,
    string? DeviceSerial);

public sealed record RequestSummary(
    long Id,
    string RequestNumber,
    CertificateType Type,
    RequestKind Kind,
    RequestStatus Status,
    string SubjectName,
    int ValidityMonths,
    DateTime CreatedAtUtc,
    string? DeviceSerial);
