using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Registration;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.RenewalCodes;

/// <summary>What staff ask for: a product, term and medium, how many codes, and the last day they may be redeemed.</summary>
public sealed class NewRenewalCodeBatch
{
    public CertificateType Product { get; set; } = CertificateType.Qualified;

    public int TermMonths { get; set; } = 12;

    public KeyMedium Medium { get; set; } = KeyMedium.Card;

    public int Count { get; set; } = 10;

    /// <summary>The last day (in the portal's zone) the codes are accepted.</summary>
    public DateTime? ExpiresOn { get; set; }
}

/// <summary>A batch just made, with its codes in readable form: the only time they exist outside the buyer's hands.</summary>
public sealed record CreatedRenewalCodeBatch(long Id, string Reference, CertificateType Product, int TermMonths, KeyMedium Medium, DateTime ExpiresAtUtc,
    IReadOnlyList<string> Codes);

/// <summary>A batch as the staff list shows it: how many of its codes were redeemed.</summary>
public sealed record RenewalCodeBatchSummary(long Id, string Reference, CertificateType Product, int TermMonths, KeyMedium Medium, int Count, int Redeemed,
    DateTime ExpiresAtUtc, DateTime CreatedAtUtc, string CreatedBy);

/// <summary>
/// Staff (an RA operator or administrator, outside a support session) make batches of prepaid renewal codes. Each code
/// is generated here, returned once for display and CSV export, and stored only as its keyed hash
/// (<see cref="RenewalCodeHasher"/>). Making a batch is audited with who, product, term, medium and count.
/// </summary>
public sealed class RenewalCodeBatches(DataAccess data, CurrentActor current, AuditTrail audit, RenewalCodeHasher hasher, PortalTime portalTime,
    IOptions<RenewalCodeOptions> options, TimeProvider time)
{
    public static readonly int[] Terms = [12, 24, 36];

    /// <summary>
    /// Products a code can buy: the qualified personal certificate, whose renewal application is signed by the qualified
    /// certificate renewed (a commercial code would need its own signing rule first).
    /// </summary>
    public static readonly CertificateType[] Products = [CertificateType.Qualified];

    public const string TermField = nameof(NewRenewalCodeBatch.TermMonths);
    public const string CountField = nameof(NewRenewalCodeBatch.Count);
    public const string ExpiresField = nameof(NewRenewalCodeBatch.ExpiresOn);
    public const string ProductField = nameof(NewRenewalCodeBatch.Product);

    public static bool MayManage(Actor actor) => IdentityVerification.IsRegistrationStaff(actor);

    public async Task<Outcome<CreatedRenewalCodeBatch>> CreateAsync(NewRenewalCodeBatch request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = await RequireStaffAsync("create").ConfigureAwait(false);
        var now = time.GetUtcNow();
        var errors = new List<FieldError>();
        if (!Terms.Contains(request.TermMonths))
        {
            errors.Add(new FieldError(TermField, InputRules.Required));
        }

        if (!Products.Contains(request.Product) || !Enum.IsDefined(request.Medium)
            || (request.Medium == KeyMedium.Cloud && request.Product != CertificateType.Qualified))
        {
            errors.Add(new FieldError(ProductField, "RenewalCodes.Batch.ProductInvalid"));
        }

        if (request.Count < 1 || request.Count > options.Value.MaxBatchSize)
        {
            errors.Add(new FieldError(CountField, "RenewalCodes.Batch.CountRange", options.Value.MaxBatchSize));
        }

        DateTime expires = default;
        if (request.ExpiresOn is not { } day)
        {
            errors.Add(new FieldError(ExpiresField, InputRules.Required));
        }
        else
        {
            // The whole last day counts: the codes end at the next midnight in the portal's zone.
            expires = TimeZoneInfo.ConvertTimeToUtc(DateOnly.FromDateTime(day).AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), portalTime.Zone);
            if (expires <= now.UtcDateTime || expires > now.UtcDateTime.AddDays(options.Value.MaxBatchValidityDays))
            {
                errors.Add(new FieldError(ExpiresField, "RenewalCodes.Batch.ExpiresRange", options.Value.MaxBatchValidityDays));
            }
        }

        if (errors.Count > 0)
        {
            return Outcome.Invalid<CreatedRenewalCodeBatch>(errors);
        }

        var codes = Enumerable.Range(0, request.Count).Select(_ => RenewalCodeFormat.New()).ToList();
        var created = await data.RunInTransactionAsync(async db =>
        {
            var batch = new RenewalCodeBatch
            {
                Reference = "RCB-" + RandomReference(),
                Product = request.Product,
                TermMonths = request.TermMonths,
                Medium = request.Medium,
                Count = codes.Count,
                ExpiresAtUtc = expires,
                CreatedAtUtc = now.UtcDateTime,
                CreatedBy = actor.AuditActor,
            };
            db.RenewalCodeBatches.Add(batch);
            await db.SaveChangesAsync().ConfigureAwait(false);
            foreach (var code in codes)
            {
                db.RenewalCodes.Add(new RenewalCode { BatchId = batch.Id, CodeHash = hasher.Hash(RenewalCodeFormat.Normalise(code)!) });
            }

            audit.Add(db, actor, AuditActions.RenewalCodeBatchCreated, AuditSubjects.RenewalCodeBatch(batch.Id), new
            {
                batch.Reference, product = batch.Product.ToString(), term = batch.TermMonths, medium = batch.Medium.ToString(), count = batch.Count,
                expires = batch.ExpiresAtUtc,
            });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return batch;
        }).ConfigureAwait(false);
        return Outcome.Done(new CreatedRenewalCodeBatch(created.Id, created.Reference, created.Product, created.TermMonths, created.Medium, created.ExpiresAtUtc, codes));
    }

    public async Task<IReadOnlyList<RenewalCodeBatchSummary>> ListAsync(int take = 50)
    {
        await RequireStaffAsync("list").ConfigureAwait(false);
        return await data.RunAsync(db => db.RenewalCodeBatches.AsNoTracking()
            .OrderByDescending(b => b.CreatedAtUtc).ThenByDescending(b => b.Id)
            .Take(take)
            .Select(b => new RenewalCodeBatchSummary(b.Id, b.Reference, b.Product, b.TermMonths, b.Medium, b.Count,
                db.RenewalCodes.Count(c => c.BatchId == b.Id && c.RedeemedAtUtc != null), b.ExpiresAtUtc, b.CreatedAtUtc, b.CreatedBy))
            .ToListAsync()).ConfigureAwait(false);
    }

    private async Task<Actor> RequireStaffAsync(string operation)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (!MayManage(actor))
        {
            throw await audit.RefuseAsync(actor, "renewal-codes", $"renewal-codes.{operation}").ConfigureAwait(false);
        }

        return actor;
    }

    private static string RandomReference() => RenewalCodeFormat.Grouped(RandomNumberGenerator.GetString(RenewalCodeFormat.Alphabet, 15)).Replace("-", "", StringComparison.Ordinal);
}
