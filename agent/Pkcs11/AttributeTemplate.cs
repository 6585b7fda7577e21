using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Qtsp.Agent.Pkcs11;

/// <summary>A list of attributes to pass to a module (search criteria, object or key templates).</summary>
internal sealed class AttributeTemplate
{
    private readonly List<(CKA Type, byte[] Value)> _attributes = [];

    public int Count => _attributes.Count;

    public AttributeTemplate Add(CKA type, byte[] value)
    {
        _attributes.Add((type, value));
        return this;
    }

    public AttributeTemplate Add(CKA type, bool value) => Add(type, [value ? (byte)1 : (byte)0]);

    public AttributeTemplate Add(CKA type, string value) => Add(type, Encoding.UTF8.GetBytes(value));

    public AttributeTemplate Add(CKA type, ulong value) => Add(type, AttributeValue.EncodeUlong(value));

    public AttributeTemplate Add(CKA type, CKO value) => Add(type, (ulong)value);

    public AttributeTemplate Add(CKA type, CKK value) => Add(type, (ulong)value);

    public AttributeTemplate Add(CKA type, CKC value) => Add(type, (ulong)value);

    private static readonly HashSet<CKA> SecretTypes =
    [
        CKA.CKA_VALUE, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_PRIME_1, CKA.CKA_PRIME_2, CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT,
    ];

    /// <summary>Overwrites the private key material the template carried (once the module has its copy).</summary>
    public void WipeSecrets()
    {
        foreach (var (type, value) in _attributes.Where(a => SecretTypes.Contains(a.Type)))
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(value);
        }
    }

    /// <summary>Copies the template into native memory laid out as a CK_ATTRIBUTE array; disposing wipes and frees it.</summary>
    public NativeTemplate ToNative() => new(_attributes);

    internal sealed unsafe class NativeTemplate : IDisposable
    {
        private readonly nuint _size;
        private byte* _memory;

        public NativeTemplate(List<(CKA Type, byte[] Value)> attributes)
        {
            var headerSize = sizeof(CK_ATTRIBUTE) * attributes.Count;
            _size = (nuint)(headerSize + attributes.Sum(a => a.Value.Length));
            _memory = (byte*)NativeMemory.AllocZeroed(Math.Max(_size, 1));
            var values = _memory + headerSize;
            for (var i = 0; i < attributes.Count; i++)
            {
                var (type, value) = attributes[i];
                value.CopyTo(new Span<byte>(values, value.Length));
                ((CK_ATTRIBUTE*)_memory)[i] = new CK_ATTRIBUTE
                {
                    type = Pkcs11Module.Ulong((ulong)type),
                    pValue = value.Length == 0 ? null : values,
                    ulValueLen = Pkcs11Module.Ulong((ulong)value.Length),
                };
                values += value.Length;
            }

            Count = attributes.Count;
        }

        public CK_ATTRIBUTE* Pointer => (CK_ATTRIBUTE*)_memory;

        public int Count { get; }

        public void Dispose()
        {
            if (_memory != null)
            {
                NativeMemory.Clear(_memory, _size);
                NativeMemory.Free(_memory);
                _memory = null;
            }
        }
    }
}

/// <summary>Decoding of attribute values as the module returns them.</summary>
internal static class AttributeValue
{
    public static byte[] EncodeUlong(ulong value)
    {
        var bytes = new byte[Pkcs11Abi.UlongSize];
        if (Pkcs11Abi.UlongSize == 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, checked((uint)value));
        }

        if (!BitConverter.IsLittleEndian)
        {
            Array.Reverse(bytes);
        }

        return bytes;
    }

    public static ulong? Ulong(byte[]? value)
    {
        if (value is null || value.Length != Pkcs11Abi.UlongSize)
        {
            return null;
        }

        return value.Length == 8 ? MemoryMarshal.Read<ulong>(value) : MemoryMarshal.Read<uint>(value);
    }

    public static bool? Bool(byte[]? value) => value is { Length: 1 } ? value[0] != 0 : null;

    public static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value).TrimEnd('\0');
}
