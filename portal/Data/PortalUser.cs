using Microsoft.AspNetCore.Identity;

namespace Qtsp.Portal.Data;

/// <summary>A sign-in account. A holder's account links to its applicant record, a representative's to its organisation.</summary>
public sealed class PortalUser : IdentityUser
{
    public const int DisplayNameMaxLength = 200;

    private string _displayName = "";

    /// <summary>Setting the name also sets <see cref="SearchName"/>: no code path can store one without the other.</summary>
    public string DisplayName
    {
        get => _displayName;
        set
        {
            _displayName = value;
            SearchName = SearchText.Normalize(value);
        }
    }

    /// <summary>The display name lower case without diacritics (<see cref="SearchText"/>): what the support search compares with.</summary>
    public string SearchName { get; set; } = "";

    public long? OrganisationId { get; set; }

    public Organisation? Organisation { get; set; }

    public long? ApplicantId { get; set; }

    public Applicant? Applicant { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    /// <summary>The TOTP time step of the last code accepted from this account: a code (or an older one) is never taken twice.</summary>
    public long? LastTotpTimeStep { get; set; }

    /// <summary>The Microsoft Entra ID tenant of the identity linked to this account (<see cref="EntraObjectId"/>), if any.</summary>
    public string? EntraTenantId { get; set; }

    /// <summary>The linked Entra identity's object id ("oid"): stable for a person within their tenant, unlike e-mail or name.</summary>
    public string? EntraObjectId { get; set; }

    /// <summary>The Entra account name shown to the person who linked it (never used to find the account).</summary>
    public string? EntraUserName { get; set; }
}
