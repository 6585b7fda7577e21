using Microsoft.Extensions.Localization;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Features.Certificates;

/// <summary>A revocation reason as people read it: the stored code (an RFC 5280 CRLReason name) never reaches the screen.</summary>
public static class RevocationReasons
{
    public static string Text(IStringLocalizer<Strings> texts, RevocationReason reason) => texts[$"Certificates.Reason.{reason}"];

    /// <summary>The reason as stored on a certificate; a code this portal does not know reads as "not given".</summary>
    public static string Text(IStringLocalizer<Strings> texts, string? stored) =>
        Text(texts, Enum.TryParse<RevocationReason>(stored, ignoreCase: false, out var reason) && Enum.IsDefined(reason) ? reason : RevocationReason.Unspecified);
}
