using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Pkcs11;

/// <summary>
/// The binding's structures against what two C compilers make of the p11-kit header (Pkcs11/abi/layout.c):
/// gcc for the native Linux x86-64 ABI, mingw-w64 for Windows x64 (32-bit CK_ULONG, 1-byte packing).
/// Every field is compared by name, so a reordered field, a changed type or a lost Pack = 1 fails here.
/// </summary>
public sealed class AbiLayoutTests(AbiLayoutTests.CompiledLayouts layouts) : IClassFixture<AbiLayoutTests.CompiledLayouts>
{
    /// <summary>Offset of the first function pointer in a Windows CK_FUNCTION_LIST (CK_VERSION, no padding under pack 1).</summary>
    private const int WindowsFunctionListHeaderSize = 2;

    private const int WindowsPointerSize = 8;

    private static readonly string[] StructNames =
    [
        nameof(CK_VERSION),
        nameof(CK_INFO),
        nameof(CK_SLOT_INFO),
        nameof(CK_TOKEN_INFO),
        nameof(CK_SESSION_INFO),
        nameof(CK_ATTRIBUTE),
        nameof(CK_MECHANISM),
        nameof(CK_MECHANISM_INFO),
        nameof(CK_C_INITIALIZE_ARGS),
    ];

    public static TheoryData<string> Structs => new(StructNames);

    /// <summary>Structures made only of CK_ULONGs and pointers, declared once for both ABIs.</summary>
    public static TheoryData<string> StructsDeclaredOnceWithPackOne => new(
        nameof(CK_SESSION_INFO),
        nameof(CK_ATTRIBUTE),
        nameof(CK_MECHANISM),
        nameof(CK_MECHANISM_INFO),
        nameof(CK_C_INITIALIZE_ARGS));

    [Theory]
    [MemberData(nameof(Structs))]
    public void Native_layout_matches_gcc(string name)
    {
        var type = AgentStruct(name);
        var c = layouts.Native.Struct(name);

        FieldNames(type).ShouldBe(c.Offsets.Keys, ignoreOrder: true, $"fields of {name} vs the header");
        Marshal.SizeOf(type).ShouldBe(c.Size, $"Marshal.SizeOf({name})");
        ManagedSize(type).ShouldBe(c.Size, $"Unsafe.SizeOf<{name}> (the binding uses sizeof and stackalloc)");
        foreach (var (field, offset) in c.Offsets)
        {
            Marshal.OffsetOf(type, field).ToInt32().ShouldBe(offset, $"offset of {name}.{field}");
        }
    }

    [Theory]
    [MemberData(nameof(Structs))]
    public void Windows_layout_matches_mingw(string name)
    {
        var c = layouts.Windows.Struct(name);
        var twin = typeof(Pkcs11Module).Assembly.GetType($"{typeof(Pkcs11Module).Namespace}.{name}_WINDOWS");
        if (twin is not null)
        {
            // A twin is declared with Windows types (uint for CK_ULONG) and Pack = 1: the runtime's own layout here is Windows'.
            FieldNames(twin).ShouldBe(c.Offsets.Keys, ignoreOrder: true, $"fields of {twin.Name} vs the header");
            Marshal.SizeOf(twin).ShouldBe(c.Size, $"Marshal.SizeOf({twin.Name})");
            foreach (var (field, offset) in c.Offsets)
            {
                Marshal.OffsetOf(twin, field).ToInt32().ShouldBe(offset, $"offset of {twin.Name}.{field}");
            }
        }

        // Declared once (or the twin itself): how a Windows x64 compiler lays out the declaration as written.
        var computed = StructLayoutModel.Compute(twin ?? AgentStruct(name), CAbi.WindowsX64);
        computed.Offsets.Keys.ShouldBe(c.Offsets.Keys, ignoreOrder: true, $"fields of {(twin ?? AgentStruct(name)).Name} vs the header");
        computed.Size.ShouldBe(c.Size, $"Windows size of {(twin ?? AgentStruct(name)).Name}");
        foreach (var (field, offset) in c.Offsets)
        {
            computed.Offsets[field].ShouldBe(offset, $"Windows offset of {(twin ?? AgentStruct(name)).Name}.{field}");
        }
    }

    [Theory]
    [MemberData(nameof(StructsDeclaredOnceWithPackOne))]
    public void Structs_of_ulongs_and_pointers_are_declared_once_with_pack_1(string name)
    {
        var type = AgentStruct(name);
        type.StructLayoutAttribute!.Pack.ShouldBe(1, $"{name} must be packed to 1 byte to fit Windows modules");
        typeof(Pkcs11Module).Assembly.GetType($"{type.Namespace}.{name}_WINDOWS").ShouldBeNull($"{name} needs no Windows twin");
        StructLayoutModel.FieldsInDeclarationOrder(type)
            .ShouldAllBe(f => f.FieldType == typeof(CULong) || f.FieldType.IsPointer, $"{name} holds only CK_ULONGs and pointers");
    }

    [Theory]
    [MemberData(nameof(Structs))]
    public void The_layout_model_reproduces_the_runtime_layout_on_this_machine(string name)
    {
        // Guards the model the Windows checks rely on: applied to the native ABI it must agree with the runtime.
        foreach (var type in new[] { AgentStruct(name), typeof(Pkcs11Module).Assembly.GetType($"{typeof(Pkcs11Module).Namespace}.{name}_WINDOWS") }.OfType<Type>())
        {
            var computed = StructLayoutModel.Compute(type, CAbi.LinuxX64);
            computed.Size.ShouldBe(Marshal.SizeOf(type), type.Name);
            foreach (var (field, offset) in computed.Offsets)
            {
                offset.ShouldBe(Marshal.OffsetOf(type, field).ToInt32(), $"{type.Name}.{field}");
            }
        }
    }

    [Fact]
    public void Every_struct_of_the_binding_and_of_the_c_file_is_checked()
    {
        var checkedNames = StructNames.ToHashSet(StringComparer.Ordinal);
        var declared = typeof(Pkcs11Module).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Pkcs11Module).Namespace && t.IsValueType && t.Name.StartsWith("CK_", StringComparison.Ordinal))
            .Select(t => t.Name.EndsWith("_WINDOWS", StringComparison.Ordinal) ? t.Name[..^"_WINDOWS".Length] : t.Name)
            .ToHashSet(StringComparer.Ordinal);
        declared.ShouldBe(checkedNames, ignoreOrder: true, "every CK_ struct of the binding has a layout check");

        var inC = layouts.Native.StructNames.Except(["CK_ULONG", "CK_VOID_PTR", "CK_FUNCTION_LIST"]);
        inC.ShouldBe(checkedNames, ignoreOrder: true, "layout.c and the checks name the same structs");
    }

    [Fact]
    public void Ck_ulong_is_pointer_sized_natively_and_32_bits_on_windows()
    {
        Pkcs11Abi.UlongSize.ShouldBe((int)layouts.Native.Size("CK_ULONG"));
        IntPtr.Size.ShouldBe((int)layouts.Native.Size("CK_VOID_PTR"));
        layouts.Windows.Size("CK_ULONG").ShouldBe(sizeof(uint));
        layouts.Windows.Size("CK_VOID_PTR").ShouldBe(WindowsPointerSize);
    }

    [Fact]
    public void Function_list_offsets_match_gcc_for_every_function()
    {
        var c = layouts.Native.Struct("CK_FUNCTION_LIST");
        c.Offsets["version"].ShouldBe(0);
        c.Offsets[nameof(Pkcs11Function.C_Initialize)].ShouldBe(Pkcs11Abi.FunctionListHeaderSize);
        FunctionNames(c).ShouldBe(Enum.GetNames<Pkcs11Function>(), ignoreOrder: true, "Pkcs11Function names every entry of CK_FUNCTION_LIST");
        foreach (var function in Enum.GetValues<Pkcs11Function>())
        {
            // The arithmetic of Pkcs11Module.FunctionPointer.
            (Pkcs11Abi.FunctionListHeaderSize + ((int)function * IntPtr.Size)).ShouldBe(c.Offsets[function.ToString()], function.ToString());
        }

        c.Size.ShouldBe(Pkcs11Abi.FunctionListHeaderSize + (Enum.GetValues<Pkcs11Function>().Length * IntPtr.Size));
    }

    [Fact]
    public void Function_list_offsets_match_mingw_for_every_function()
    {
        var c = layouts.Windows.Struct("CK_FUNCTION_LIST");
        c.Offsets["version"].ShouldBe(0);
        c.Offsets[nameof(Pkcs11Function.C_Initialize)].ShouldBe(WindowsFunctionListHeaderSize);
        FunctionNames(c).ShouldBe(Enum.GetNames<Pkcs11Function>(), ignoreOrder: true);
        foreach (var function in Enum.GetValues<Pkcs11Function>())
        {
            (WindowsFunctionListHeaderSize + ((int)function * WindowsPointerSize)).ShouldBe(c.Offsets[function.ToString()], function.ToString());
        }

        c.Size.ShouldBe(WindowsFunctionListHeaderSize + (Enum.GetValues<Pkcs11Function>().Length * WindowsPointerSize));
    }

    private static IEnumerable<string> FunctionNames(CStruct list) => list.Offsets.Keys.Where(k => k != "version");

    private static Type AgentStruct(string name) =>
        typeof(Pkcs11Module).Assembly.GetType($"{typeof(Pkcs11Module).Namespace}.{name}")
        ?? throw new InvalidOperationException($"The binding declares no {name}.");

    private static IEnumerable<string> FieldNames(Type type) => StructLayoutModel.FieldsInDeclarationOrder(type).Select(f => f.Name);

    private static int ManagedSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    internal sealed record CStruct(int Size, IReadOnlyDictionary<string, int> Offsets);

    /// <summary>The constants one compiler emitted for layout.c.</summary>
    public sealed class CLayout(string compiler, IReadOnlyDictionary<string, long> constants)
    {
        private const string SizePrefix = "layout_size__";
        private const string OffsetPrefix = "layout_offset__";

        public string Compiler { get; } = compiler;

        public IEnumerable<string> StructNames => constants.Keys.Where(k => k.StartsWith(SizePrefix, StringComparison.Ordinal)).Select(k => k[SizePrefix.Length..]);

        public long Size(string type) =>
            constants.TryGetValue(SizePrefix + type, out var size) ? size : throw new InvalidOperationException($"{Compiler}: layout.c emits no size of {type}");

        internal CStruct Struct(string type)
        {
            var prefix = $"{OffsetPrefix}{type}__";
            var offsets = constants.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(c => c.Key[prefix.Length..], c => (int)c.Value, StringComparer.Ordinal);
            offsets.ShouldNotBeEmpty($"{Compiler}: layout.c emits no offsets of {type}");
            return new CStruct((int)Size(type), offsets);
        }
    }

    /// <summary>layout.c compiled by both compilers, once for the class.</summary>
    public sealed class CompiledLayouts : IAsyncLifetime
    {
        public CLayout Native { get; private set; } = null!;

        public CLayout Windows { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var source = Path.Combine(AppContext.BaseDirectory, "Pkcs11", "abi", "layout.c");
            File.Exists(source).ShouldBeTrue($"{source} is copied to the test output");
            var directory = RepositoryPaths.NewTemporaryDirectory("abi-layout");
            try
            {
                var native = NativeToolchain.CompileToAssemblyAsync(NativeToolchain.NativeCompiler, source, directory);
                var windows = NativeToolchain.CompileToAssemblyAsync(NativeToolchain.WindowsCompiler, source, directory);
                Native = new CLayout(NativeToolchain.NativeCompiler, NativeToolchain.ReadConstants(await native, "layout_"));
                Windows = new CLayout(NativeToolchain.WindowsCompiler, NativeToolchain.ReadConstants(await windows, "layout_"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }

            // Both compilers saw every definition of the file (a parse slip would silently drop checks).
            var definitions = File.ReadLines(source).Count(l => l.StartsWith("SIZE(", StringComparison.Ordinal) || l.StartsWith("OFFSET(", StringComparison.Ordinal));
            Native.StructNames.Count().ShouldBeGreaterThan(0);
            CountOf(Native).ShouldBe(definitions, "constants gcc emitted");
            CountOf(Windows).ShouldBe(definitions, "constants mingw emitted");
        }

        public Task DisposeAsync() => Task.CompletedTask;

        private static int CountOf(CLayout layout) =>
            layout.StructNames.Sum(s => 1 + (s is "CK_ULONG" or "CK_VOID_PTR" ? 0 : layout.Struct(s).Offsets.Count));
    }
}
