using System.Globalization;
using System.Reflection;
using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Pkcs11;

/// <summary>
/// Every named constant of the binding (Pkcs11Constants.cs; member names are the C macro names) against
/// the value the p11-kit header gives it: a generated C program prints each macro, gcc builds it, it runs.
/// </summary>
public sealed class HeaderConstantsTests(HeaderConstantsTests.HeaderValues header) : IClassFixture<HeaderConstantsTests.HeaderValues>
{
    /// <summary>Names the p11-kit header (PKCS#11 v2.40) does not define, with the value the standard gives them.</summary>
    private static readonly Dictionary<string, (ulong Value, string Reason)> NotInHeader = new(StringComparer.Ordinal)
    {
        ["CKF_ERROR_STATE"] = (0x01000000, "PKCS#11 v3.0 token flag (pkcs11t.h 3.0: 0x01000000UL); p11-kit's header stops at v2.40"),
    };

    public static IReadOnlyList<Type> ConstantEnums { get; } =
    [
        typeof(CKR), typeof(CKA), typeof(CKO), typeof(CKK), typeof(CKC), typeof(CKU), typeof(CKS), typeof(CKM),
        typeof(CkInitializeFlags), typeof(CkSlotFlags), typeof(CkTokenFlags), typeof(CkSessionFlags), typeof(CkMechanismFlags),
    ];

    public static TheoryData<string> EnumNames => new(ConstantEnums.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(EnumNames))]
    public void Every_member_has_the_value_of_the_header_macro(string enumName)
    {
        var mismatches = new List<string>();
        foreach (var (name, value) in Members(ConstantEnums.Single(t => t.Name == enumName)))
        {
            if (NotInHeader.TryGetValue(name, out var exception))
            {
                value.ShouldBe(exception.Value, $"{name} ({exception.Reason})");
                continue;
            }

            if (!header.Values.TryGetValue(name, out var inHeader))
            {
                mismatches.Add($"{name}: not defined by the header");
            }
            else if (inHeader != value)
            {
                mismatches.Add($"{name}: binding 0x{value:X}, header 0x{inHeader:X}");
            }
        }

        mismatches.ShouldBeEmpty();
    }

    [Fact]
    public void Known_exceptions_are_still_missing_from_the_header()
    {
        // Once the header learns a name, compare it like the others: remove it from NotInHeader.
        foreach (var name in NotInHeader.Keys)
        {
            header.Values.ContainsKey(name).ShouldBeFalse($"{name} is now in the header; drop it from the exceptions");
            header.Missing.ShouldContain(name);
        }
    }

    [Fact]
    public void The_generated_program_checked_every_member()
    {
        var all = ConstantEnums.SelectMany(Members).Select(m => m.Name).ToArray();
        all.Length.ShouldBeGreaterThan(150);
        (header.Values.Count + header.Missing.Count).ShouldBe(all.Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>The members to check: all named values except the enum's own None.</summary>
    internal static IEnumerable<(string Name, ulong Value)> Members(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.Name != "None")
            .Select(f => (f.Name, Convert.ToUInt64(f.GetRawConstantValue(), CultureInfo.InvariantCulture)));

    /// <summary>The header's value of every name, from one generated C program.</summary>
    public sealed class HeaderValues : IAsyncLifetime
    {
        public Dictionary<string, ulong> Values { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Missing { get; } = new(StringComparer.Ordinal);

        public async Task InitializeAsync()
        {
            var names = ConstantEnums.SelectMany(Members).Select(m => m.Name).Distinct(StringComparer.Ordinal).ToArray();
            var program = new StringBuilder()
                .AppendLine("#include <stdio.h>")
                .AppendLine("#include <p11-kit/pkcs11.h>")
                .AppendLine("int main(void)")
                .AppendLine("{");
            foreach (var name in names)
            {
                program
                    .Append("#ifdef ").AppendLine(name)
                    .Append("    printf(\"").Append(name).Append("=%lu\\n\", (unsigned long)(").Append(name).AppendLine("));")
                    .AppendLine("#else")
                    .Append("    printf(\"").Append(name).AppendLine("=missing\\n\");")
                    .AppendLine("#endif");
            }

            program.AppendLine("    return 0;").AppendLine("}");

            var directory = RepositoryPaths.NewTemporaryDirectory("header-constants");
            string output;
            try
            {
                output = await NativeToolchain.CompileAndRunAsync(program.ToString(), directory);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }

            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var (name, value) = (line[..line.IndexOf('=', StringComparison.Ordinal)], line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                if (value == "missing")
                {
                    Missing.Add(name);
                }
                else
                {
                    Values.Add(name, ulong.Parse(value, CultureInfo.InvariantCulture));
                }
            }
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
