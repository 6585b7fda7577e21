using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Registration;

/// <summary>A request as the RA operator sees it at the branch: whose it is, for what, from which device, and where it stands.</summary>
public sealed record RegistrationRequest(
    long Id,
    string RequestNumber,
    CertificateType Type,
    RequestKind Kind,
    RequestStatus Status,
    DateTime? SubmittedAtUtc,
    string SubjectName,
    string Email,
    long ApplicantId,
    int ApplicantRevision,
    string HolderName,
    DateOnly? DateOfBirth,
    string? PersonalIdentifier,
    bool ApplicantBlocked,
    string? OrganisationName,
    string? DeviceSerial)
{
    /// <summary>The identity check can be done now: an initial request sent from the device and not decided yet.</summary>
    public bool AwaitsIdentityCheck => Kind == RequestKind.Initial && Status == RequestStatus.Submitted;

    /// <summary>The request may still be rejected (sent from the device, not issued yet).</summary>
    public bool Rejectable => Status is RequestStatus.Submitted or RequestStatus.Verified;
}

/// <summary>Why the RA's approval or rejection was not done.</summary>
public enum RegistrationRefusal
{
    NotFound,

    /// <summary>A subsequent request (renewal): no identity check at a branch.</summary>
    NotInitial,

    /// <summary>The request is not waiting for this decision (not sent from the device yet, verified, issued, rejected or withdrawn).</summary>
    NotWaiting,

    /// <summary>The applicant's data changed after the operator opened the request: compare again.</summary>
    ChangedMeanwhile,

    /// <summary>The input has errors (see the outcome's field errors).</summary>
    Invalid,

    /// <summary>The identity is verified, but the CA did not issue (see the outcome's issuance refusal).</summary>
    NotIssued,
}

/// <summary>
/// What <see cref="IdentityVerification.ApproveAsync"/> did: issued (<see cref="Issued"/>), or refused before recording
/// anything (<see cref="Refusal"/>, with <see cref="Errors"/> for <see cref="RegistrationRefusal.Invalid"/>), or verified
/// without issuing (<see cref="RegistrationRefusal.NotIssued"/>, the CA's <see cref="IssuanceRefusal"/>).
/// </summary>
public sealed record ApprovalOutcome(
    RequestIssued? Issued,
    RegistrationRefusal? Refusal,
    IReadOnlyList<FieldError> Errors,
    IssuanceRefusal? IssuanceRefusal = null,
    IssuanceRefusalReason? CaReason = null)
{
    public static ApprovalOutcome Done(RequestIssued issued) => new(issued, null, []);

    public static ApprovalOutcome Refused(RegistrationRefusal refusal) => new(null, refusal, []);

    public static ApprovalOutcome Invalid(IReadOnlyList<FieldError> errors) => new(null, RegistrationRefusal.Invalid, errors);

    public static ApprovalOutcome NotIssued(IssuanceRefusal refusal, IssuanceRefusalReason? caReason) =>
        new(null, RegistrationRefusal.NotIssued, [], refusal, caReason);
}

/// <summary>What <see cref="IdentityVerification.RejectAsync"/> did: rejected (and the holder mailed), or refused.</summary>
public sealed record RejectionOutcome(bool Rejected, RegistrationRefusal? Refusal, IReadOnlyList<FieldError> Errors)
{
    public static RejectionOutcome Done { get; } = new(true, null, []);

    public static RejectionOutcome Refused(RegistrationRefusal refusal) => new(false, refusal, []);

    public static RejectionOutcome Invalid(IReadOnlyList<FieldError> errors) => new(false, RegistrationRefusal.Invalid, errors);
}
