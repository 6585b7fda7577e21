namespace Qtsp.Portal.Infrastructure;

/// <summary>A problem with one input field, as a text key (and arguments) the form shows beside the field.</summary>
public sealed record FieldError(string Field, string MessageKey, params object[] Arguments);

/// <summary>
/// What a command did: succeeded, or refused with field errors and/or a message for the whole form. A refused command
/// changed nothing.
/// </summary>
public class Outcome
{
    protected Outcome(IReadOnlyList<FieldError> errors, string? messageKey)
    {
        Errors = errors;
        MessageKey = messageKey;
    }

    public IReadOnlyList<FieldError> Errors { get; }

    /// <summary>A message about the whole command (not one field), e.g. "the applicant is blocked".</summary>
    public string? MessageKey { get; }

    public bool Succeeded => Errors.Count == 0 && MessageKey is null;

    public static Outcome Success { get; } = new([], null);

    public static Outcome Invalid(IReadOnlyList<FieldError> errors) => new(errors, null);

    public static Outcome Refused(string messageKey) => new([], messageKey);

    public static Outcome<T> Done<T>(T value) => new(value, [], null);

    public static Outcome<T> Invalid<T>(IReadOnlyList<FieldError> errors) => new(default, errors, null);

    public static Outcome<T> Refused<T>(string messageKey) => new(default, [], messageKey);
}

public sealed class Outcome<T> : Outcome
{
    internal Outcome(T? value, IReadOnlyList<FieldError> errors, string? messageKey)
        : base(errors, messageKey) => Value = value;

    public T? Value { get; }
}
