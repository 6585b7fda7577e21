namespace Qtsp.Shared.Devices;

/// <summary>Which characters a device accepts in a secret.</summary>
public enum PinCharset
{
    /// <summary>Printable ASCII (letters, digits, punctuation; no spaces, no diacritics).</summary>
    PrintableAscii,
    Digits,
}

/// <summary>
/// Rules of one secret on one device model, as the manufacturer and the CA publish them.
/// <see cref="MaxTries"/> is null where the device does not limit tries (or the limit is not published);
/// <see cref="FactoryValue"/> is null where it is not published; <see cref="UnblockedBy"/> names the secret
/// that resets this one when it is blocked (null for the unblock codes themselves).
/// </summary>
public sealed record PinPolicy(
    PinKind Kind,
    int MinLength,
    int MaxLength,
    int? MaxTries,
    string? FactoryValue,
    PinKind? UnblockedBy = null,
    PinCharset Charset = PinCharset.PrintableAscii)
{
    /// <summary>The policy narrowed by the limits the token itself reports (CK_TOKEN_INFO ulMinPinLen/ulMaxPinLen).</summary>
    public PinPolicy NarrowedBy(int? tokenMinLength, int? tokenMaxLength) => this with
    {
        MinLength = Math.Max(MinLength, tokenMinLength ?? 0),
        MaxLength = tokenMaxLength is > 0 ? Math.Min(MaxLength, tokenMaxLength.Value) : MaxLength,
    };

    /// <summary>Checks a proposed new value against the policy before any device call is made.</summary>
    public PinPolicyViolation? Check(ReadOnlySpan<char> value)
    {
        if (value.Length < MinLength)
        {
            return PinPolicyViolation.TooShort;
        }

        if (value.Length > MaxLength)
        {
            return PinPolicyViolation.TooLong;
        }

        foreach (var c in value)
        {
            var allowed = Charset == PinCharset.Digits ? c is >= '0' and <= '9' : c is > ' ' and <= '~';
            if (!allowed)
            {
                return PinPolicyViolation.InvalidCharacter;
            }
        }

        return null;
    }
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PinPolicyViolation>))]
public enum PinPolicyViolation
{
    TooShort,
    TooLong,
    InvalidCharacter,
}
