using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Qtsp.Agent.Tests.Pkcs11;

/// <summary>A C ABI as far as the PKCS#11 structures care: the width of CK_ULONG and of pointers.</summary>
internal sealed record CAbi(string Name, int UlongSize, int PointerSize)
{
    public static readonly CAbi LinuxX64 = new("Linux x86-64", 8, 8);

    /// <summary>LLP64: CK_ULONG is C's 32-bit unsigned long; the header's 1-byte packing comes from the struct's Pack.</summary>
    public static readonly CAbi WindowsX64 = new("Windows x64", 4, 8);
}

internal sealed record ComputedLayout(int Size, int Alignment, IReadOnlyDictionary<string, int> Offsets);

/// <summary>
/// Lays out a C# interop struct the way a C compiler of another ABI would, from its declared fields and
/// StructLayout.Pack: so the Windows layout of a struct declared once (CULong + pointers, Pack = 1) can be
/// checked on Linux, where the runtime only shows the native one.
/// </summary>
internal static class StructLayoutModel
{
    private const int DefaultPack = 8;

    public static ComputedLayout Compute(Type type, CAbi abi)
    {
        var pack = type.StructLayoutAttribute?.Pack is > 0 and var declared ? declared : DefaultPack;
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        var offset = 0;
        var alignment = 1;
        foreach (var field in FieldsInDeclarationOrder(type))
        {
            var (size, naturalAlignment) = Shape(field, abi);
            var fieldAlignment = Math.Min(naturalAlignment, pack);
            offset = AlignUp(offset, fieldAlignment);
            offsets.Add(field.Name, offset);
            offset += size;
            alignment = Math.Max(alignment, fieldAlignment);
        }

        return new ComputedLayout(AlignUp(offset, alignment), alignment, offsets);
    }

    /// <summary>Instance fields in declaration order (sequential layout: increasing native offsets).</summary>
    public static IReadOnlyList<FieldInfo> FieldsInDeclarationOrder(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => Marshal.OffsetOf(type, f.Name).ToInt64())
            .ToArray();

    private static (int Size, int Alignment) Shape(FieldInfo field, CAbi abi)
    {
        if (field.GetCustomAttribute<FixedBufferAttribute>() is { } buffer)
        {
            var (elementSize, elementAlignment) = Shape(buffer.ElementType, abi);
            return (elementSize * buffer.Length, elementAlignment);
        }

        return Shape(field.FieldType, abi);
    }

    private static (int Size, int Alignment) Shape(Type type, CAbi abi)
    {
        if (type == typeof(CULong) || type == typeof(CLong))
        {
            return (abi.UlongSize, abi.UlongSize);
        }

        if (type.IsPointer || type.IsFunctionPointer || type == typeof(IntPtr) || type == typeof(UIntPtr))
        {
            return (abi.PointerSize, abi.PointerSize);
        }

        if (type.IsPrimitive)
        {
            var size = Marshal.SizeOf(type);
            return (size, size);
        }

        if (type.IsValueType && type.IsLayoutSequential)
        {
            var nested = Compute(type, abi);
            return (nested.Size, nested.Alignment);
        }

        throw new NotSupportedException($"No C shape for field type {type} (declare PKCS#11 fields with CULong, pointers, bytes or uint).");
    }

    private static int AlignUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
