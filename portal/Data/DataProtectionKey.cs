namespace Qtsp.Portal.Data;

/// <summary>A Data Protection key ring element (XML), shared by every portal instance through the database.</summary>
public sealed class DataProtectionKey
{
    public long Id { get; set; }

    public string? FriendlyName { get; set; }

    public required string Xml { get; set; }
}
