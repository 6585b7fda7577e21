using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Qtsp.Agent.Pkcs11;

/// <summary>A list of attributes to pass to a module (search criteria, object or key templates).</summary>
internal sealed class AttributeTemplate
{
    private static readonly HashSet<CKA> SecretTypes =
    [
        CKA.CKA_VALUE, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_PRIME_1, CKA.CKA_PRIME_2, CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT,
    ];

    private readonly List<(CKA Type, Func<IObjectAttribute> Create, byte[]? Bytes)> _attributes = [];

    public int Count => _attributes.Count;

    public AttributeTemplate Add(CKA type, byte[] value) => Add(type, () => Pkcs11Module.Attributes.Create(type, value), value);

    public AttributeTemplate Add(CKA type, bool value) => Add(type, () => Pkcs11Module.Attributes.Create(type, value));

    public AttributeTemplate Add(CKA type, string value) => Add(type, Encoding.UTF8.GetBytes(value));

    public AttributeTemplate Add(CKA type, ulong value) => Add(type, () => Pkcs11Module.Attributes.Create(type, value));

    public AttributeTemplate Add(CKA type, CKO value) => Add(type, () => Pkcs11Module.Attributes.Create(type, value));

    public AttributeTemplate Add(CKA type, CKK value) => Add(type, () => Pkcs11Module.Attributes.Create(type, value));

    public AttributeTemplate Add(CKA type, CKC value) => Add(type, () => Pkcs11Module.Attributes.Create(type, value));

    private AttributeTemplate Add(CKA type, Func<IObjectAttribute> create, byte[]? bytes = null)
    {
        _attributes.Add((type, create, bytes));
        return this;
    }

    /// <summary>Overwrites the private key material the template carried (once the module has its copy).</summary>
    public void WipeSecrets()
    {
        foreach (var (_, _, bytes) in _attributes.Where(a => SecretTypes.Contains(a.Type)))
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>The template as Pkcs11Interop attributes, for one call; disposing frees their native copies.</summary>
    public InteropAttributes ToInterop() => new(_attributes.Select(a => a.Create()).ToList());

    internal sealed class InteropAttributes(List<IObjectAttribute> attributes) : IDisposable
    {
        public List<IObjectAttribute> Attributes { get; } = attributes;

        public void Dispose() => Attributes.ForEach(a => a.Dispose());
    }
}

/// <summary>Decoding of attribute values as the module returns them (CK_ULONG is 4 bytes on Windows, 8 elsewhere).</summary>
internal static class AttributeValue
{
    public static ulong? Ulong(byte[]? value) => value?.Length switch
    {
        8 => BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(value) : BinaryPrimitives.ReadUInt64BigEndian(value),
        4 => BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(value) : BinaryPrimitives.ReadUInt32BigEndian(value),
        _ => null,
    };

    /// <summary>A CK_ULONG as this process's modules return it (for readings made without a module, as in tests).</summary>
    public static byte[] EncodeUlong(ulong value) =>
        Platform.NativeULongSize == 4 ? BitConverter.GetBytes(checked((uint)value)) : BitConverter.GetBytes(value);

    public static bool? Bool(byte[]? value) => value is { Length: 1 } ? value[0] != 0 : null;

    public static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value).TrimEnd('\0');
}
