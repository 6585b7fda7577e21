namespace Qtsp.Portal.Features.Applicants;

/// <summary>The cancel-binding dialog's result: the binding is cancelled, as of this instant.</summary>
public sealed record BindingCancelled(long BindingId, DateTime CancelledAtUtc);
