namespace Qtsp.Shared.Devices;

/// <summary>
/// The secure devices the CA hands out. Values come from the manufacturers' and the CA's
/// user guides; markers match what the vendors' PKCS#11 libraries report.
/// </summary>
public static class DeviceModelCatalogue
{
    public const string ServiceKeyLabel = "SERVICE KEY";

    /// <summary>Labels under which the CA's service key has been seen (the CA's own label and the Czech name SAC shows).</summary>
    public static readonly IReadOnlyList<string> ServiceKeyLabels = [ServiceKeyLabel, "Servisní klíč", "Servisni klic"];

    /// <summary>Keys left behind by a failed request are named with this prefix by the vendor middleware.</summary>
    public const string OrphanKeyPrefix = "p11#";

    private static readonly string[] SafeNetQualifiedMarkers = ["(Digital Signature PIN)", "(Digital Signature Pin)", "(Sig)", "(CC)"];

    private static readonly PinPolicy[] SafeNetPolicies =
    [
        new(PinKind.Pin, MinLength: 4, MaxLength: 16, MaxTries: 5, FactoryValue: "12345678", UnblockedBy: PinKind.Puk),
        new(PinKind.Puk, MinLength: 8, MaxLength: 16, MaxTries: null, FactoryValue: "87654321"),
        new(PinKind.QPin, MinLength: 6, MaxLength: 16, MaxTries: 3, FactoryValue: "12345678", UnblockedBy: PinKind.QPuk),
        new(PinKind.QPuk, MinLength: 6, MaxLength: 16, MaxTries: 3, FactoryValue: "87654321"),
    ];

    private static readonly PinPolicy[] GenericPolicies =
    [
        new(PinKind.Pin, MinLength: 4, MaxLength: 64, MaxTries: null, FactoryValue: null, UnblockedBy: PinKind.Puk),
        new(PinKind.Puk, MinLength: 4, MaxLength: 64, MaxTries: null, FactoryValue: null),
        new(PinKind.QPin, MinLength: 4, MaxLength: 64, MaxTries: null, FactoryValue: null, UnblockedBy: PinKind.QPuk),
        new(PinKind.QPuk, MinLength: 4, MaxLength: 64, MaxTries: null, FactoryValue: null),
    ];

    private const string SafeNetBlocking =
        "QPIN and QPUK both blocked: no more qualified use. PUK forgotten and PIN blocked: the device is unusable.";

    public static readonly DeviceModel EToken5110Cc = new()
    {
        Id = "etoken-5110-cc",
        DisplayName = "SafeNet eToken 5110 CC",
        RecognitionMarkers = ["eToken 5110", "eToken 5100"],
        PinPolicies = SafeNetPolicies,
        FactoryValuesMustBeChanged = [PinKind.Pin, PinKind.Puk, PinKind.QPin, PinKind.QPuk],
        QualifiedCertificateCapacity = 2,
        QualifiedAreaMarkers = SafeNetQualifiedMarkers,
        BlockingConsequence = SafeNetBlocking,
    };

    public static readonly DeviceModel IdPrimeMd = new()
    {
        Id = "idprime-md",
        DisplayName = "Thales IDPrime MD",
        RecognitionMarkers = ["ID Prime MD", "IDPrime MD", "IDPrime"],
        PinPolicies = SafeNetPolicies,
        FactoryValuesMustBeChanged = [PinKind.Pin, PinKind.Puk, PinKind.QPin, PinKind.QPuk],
        QualifiedCertificateCapacity = 2,
        QualifiedAreaMarkers = SafeNetQualifiedMarkers,
        BlockingConsequence = SafeNetBlocking,
    };

    public static readonly DeviceModel ProIdPlusQ = new()
    {
        Id = "proid-plus-q",
        DisplayName = "Monet+ ProID+Q",
        RecognitionMarkers = ["ProID+Q", "ProID+ Q", "Monet+"],
        PinPolicies =
        [
            new(PinKind.Pin, MinLength: 4, MaxLength: 15, MaxTries: null, FactoryValue: "12345678", UnblockedBy: PinKind.Puk),
            new(PinKind.Puk, MinLength: 8, MaxLength: 15, MaxTries: null, FactoryValue: "87654321"),
            // ProID+Q has no QPUK: the PUK unblocks the QPIN too.
            new(PinKind.QPin, MinLength: 5, MaxLength: 15, MaxTries: null, FactoryValue: "12345678", UnblockedBy: PinKind.Puk),
        ],
        FactoryValuesMustBeChanged = [PinKind.Pin, PinKind.Puk, PinKind.QPin],
        QualifiedCertificateCapacity = 2,
        QualifiedAreaMarkers = ["(QSCD)", "(Q)", "(Qualified)", "(CC)"],
        BlockingConsequence = "PIN, PUK and QPIN all blocked: the chip is destroyed.",
    };

    public static readonly DeviceModel TokenMe = new()
    {
        Id = "bit4id-tokenme",
        DisplayName = "Bit4id TokenME",
        RecognitionMarkers = ["TokenME", "Bit4id"],
        // The CA's guides publish no PIN policy for this device: the token's own limits apply.
        PinPolicies = GenericPolicies,
        FactoryValuesMustBeChanged = [],
        QualifiedCertificateCapacity = 2,
        QualifiedAreaMarkers = ["(CNS1)", "(Firma)", "(CC)"],
    };

    /// <summary>A device the catalogue does not know: limits come from the token itself.</summary>
    public static readonly DeviceModel Unknown = new()
    {
        Id = "unknown",
        DisplayName = "Unknown device",
        RecognitionMarkers = [],
        PinPolicies = GenericPolicies,
        FactoryValuesMustBeChanged = [],
        QualifiedCertificateCapacity = 2,
        QualifiedAreaMarkers = ["(Digital Signature PIN)", "(QSCD)", "(CC)"],
    };

    public static IReadOnlyList<DeviceModel> All { get; } = [EToken5110Cc, IdPrimeMd, ProIdPlusQ, TokenMe];

    public static DeviceModel ById(string id) => All.FirstOrDefault(m => m.Id == id) ?? Unknown;

    /// <summary>Finds the model whose markers appear in what the PKCS#11 library reports; <see cref="Unknown"/> otherwise.</summary>
    public static DeviceModel Recognise(params string?[] reported)
    {
        foreach (var model in All)
        {
            foreach (var marker in model.RecognitionMarkers)
            {
                if (reported.Any(r => r is not null && r.Contains(marker, StringComparison.OrdinalIgnoreCase)))
                {
                    return model;
                }
            }
        }

        return Unknown;
    }

    /// <summary>
    /// A token label no one may choose: one that ends like a qualified area's (" (CC)", " (Digital Signature PIN)" …) would
    /// make the areas of a device look different, and the service key's names and the pending-key prefix belong to the CA.
    /// </summary>
    public static bool IsReservedTokenLabel(string label)
    {
        var trimmed = label.Trim();
        return All.Append(Unknown).SelectMany(m => m.QualifiedAreaMarkers).Any(marker => trimmed.EndsWith(marker, StringComparison.OrdinalIgnoreCase))
            || IsServiceKeyLabel(trimmed)
            || trimmed.StartsWith(OrphanKeyPrefix, StringComparison.OrdinalIgnoreCase);
    }

    public static bool IsServiceKeyLabel(string? label) =>
        label is not null && ServiceKeyLabels.Any(l => string.Equals(l, label.Trim(), StringComparison.OrdinalIgnoreCase));
}
