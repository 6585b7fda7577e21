namespace Qtsp.Portal.Data;

/// <summary>A customer organisation with a contract; its authorised representatives manage its applicants.</summary>
public sealed class Organisation
{
    public long Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The company identification number (Czech IČO: 8 digits).</summary>
    public required string CompanyId { get; set; }

    /// <summary>The contract number ("číslo smlouvy") the representatives are identified with.</summary>
    public required string ContractNumber { get; set; }

    /// <summary>Whether the contract allows certificates valid for more than one year.</summary>
    public bool MultiYearAllowed { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    /// <summary>
    /// The organisation's Microsoft Entra ID tenant (its directory id, a GUID in lower case) when it signs its
    /// representatives in with their company accounts; null when it does not.
    /// </summary>
    public string? EntraTenantId { get; set; }
}
