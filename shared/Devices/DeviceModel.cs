namespace Qtsp.Shared.Devices;

/// <summary>
/// What the product knows about one family of secure devices: how to recognise it through PKCS#11,
/// its PIN policies, how much the qualified area holds and how the CA's service key is named.
/// </summary>
public sealed record DeviceModel
{
    public required string Id { get; init; }

    public required string DisplayName { get; init; }

    /// <summary>Case-insensitive fragments of CK_TOKEN_INFO.model, manufacturerID or the slot description.</summary>
    public required IReadOnlyList<string> RecognitionMarkers { get; init; }

    public required IReadOnlyList<PinPolicy> PinPolicies { get; init; }

    /// <summary>Secrets that still hold their factory value must be changed before first use.</summary>
    public required IReadOnlyList<PinKind> FactoryValuesMustBeChanged { get; init; }

    /// <summary>How many qualified certificates the qualified area holds (the cause of the CA tools' errors 621/622).</summary>
    public required int QualifiedCertificateCapacity { get; init; }

    /// <summary>What ends a qualified-area token label (PKCS#11 v2.11 "virtual slot" naming: "&lt;label&gt; (&lt;PIN label&gt;)").</summary>
    public required IReadOnlyList<string> QualifiedAreaMarkers { get; init; }

    /// <summary>What happens when every secret is blocked, in the manufacturer's words distilled.</summary>
    public string? BlockingConsequence { get; init; }

    public PinPolicy? Policy(PinKind kind) => PinPolicies.FirstOrDefault(p => p.Kind == kind);
}
