using System.Linq.Expressions;
using System.Text.Json;
using Qtsp.Portal.AgentBridge;

namespace Qtsp.Portal.Features.Token;

/// <summary>
/// The fields of one secret dialog and which secret of <typeparamref name="TCommand"/> each one fills. A secret is
/// named by the command's own property, so renaming a property breaks the build instead of the operation; the
/// property's wire name is the camelCase name the page's JS interop gives it.
/// </summary>
public sealed class SecretFields<TCommand>
{
    private readonly List<SecretField> _fields = [];
    private readonly Dictionary<string, string> _secrets = [];

    public IReadOnlyList<SecretField> Fields => _fields;

    /// <summary>Dialog field name → command property (wire name), as <see cref="SecretOperation.Secrets"/> wants it.</summary>
    public IReadOnlyDictionary<string, string> Secrets => _secrets;

    public bool Fills(Expression<Func<TCommand, int[]?>> secret) => _secrets.ContainsValue(SecretFields.WireName(secret));

    /// <summary>A field whose value goes into <paramref name="secret"/>.</summary>
    public SecretFields<TCommand> Add(SecretField field, Expression<Func<TCommand, int[]?>> secret)
    {
        _fields.Add(field);
        _secrets.Add(field.Name, SecretFields.WireName(secret));
        return this;
    }

    /// <summary>A confirmation of an earlier field: checked in the dialog, never sent.</summary>
    public SecretFields<TCommand> Confirm(SecretField field)
    {
        if (field.RepeatOf is not { } original || _fields.All(f => f.Name != original))
        {
            throw new ArgumentException($"'{field.Name}' must repeat a field added before it.", nameof(field));
        }

        _fields.Add(field);
        return this;
    }
}

public static class SecretFields
{
    /// <summary>A command property's name as it travels to the agent (camelCase, as the page's JS interop writes it).</summary>
    public static string WireName<TCommand, TValue>(Expression<Func<TCommand, TValue>> property) =>
        property.Body is MemberExpression { Member: var member } && member.DeclaringType!.IsAssignableFrom(typeof(TCommand))
            ? JsonNamingPolicy.CamelCase.ConvertName(member.Name)
            : throw new ArgumentException("Name a property of the command.", nameof(property));
}
