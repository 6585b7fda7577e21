using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Support;

/// <summary>
/// The C compilers the PKCS#11 checks use as independent judges of the header: gcc for this machine's
/// ABI, mingw-w64 for Windows x64. Missing tools fail the tests (eng/prerequisites.sh test installs them).
/// </summary>
internal static partial class NativeToolchain
{
    public const string NativeCompiler = "gcc";
    public const string WindowsCompiler = "x86_64-w64-mingw32-gcc";
    public const string P11KitIncludeDirectory = "/usr/include/p11-kit-1";

    /// <summary>Compiles <paramref name="sourceFile"/> to assembly (<c>-S</c>) and returns the assembly text.</summary>
    public static async Task<string> CompileToAssemblyAsync(string compiler, string sourceFile, string workDirectory)
    {
        var output = Path.Combine(workDirectory, $"{Path.GetFileNameWithoutExtension(sourceFile)}.{compiler}.s");
        await RunCompilerAsync(compiler, ["-S", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", P11KitIncludeDirectory, sourceFile, "-o", output]).ConfigureAwait(false);
        return await File.ReadAllTextAsync(output).ConfigureAwait(false);
    }

    /// <summary>Builds a native program from <paramref name="source"/> with gcc, runs it and returns what it printed.</summary>
    public static async Task<string> CompileAndRunAsync(string source, string workDirectory)
    {
        var sourceFile = Path.Combine(workDirectory, "program.c");
        var executable = Path.Combine(workDirectory, "program");
        await File.WriteAllTextAsync(sourceFile, source).ConfigureAwait(false);
        await RunCompilerAsync(NativeCompiler, ["-std=c11", "-Wall", "-Werror", "-I", P11KitIncludeDirectory, sourceFile, "-o", executable]).ConfigureAwait(false);
        return (await ProcessRunner.RunCheckedAsync(executable, []).ConfigureAwait(false)).Output;
    }

    /// <summary>
    /// Reads the 64-bit constants a compiler emitted for global definitions whose names start with
    /// <paramref name="prefix"/>: "name:" followed by ".quad N", or ".zero 8" / ".space 8" for zero.
    /// </summary>
    public static IReadOnlyDictionary<string, long> ReadConstants(string assembly, string prefix)
    {
        var constants = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match match in ConstantDefinition().Matches(assembly))
        {
            var name = match.Groups["name"].Value;
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var value = match.Groups["directive"].Value == "quad" ? long.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture) : 0;
            if (match.Groups["directive"].Value != "quad" && match.Groups["value"].Value != "8")
            {
                throw new InvalidOperationException($"Unexpected zero fill for {name}: {match.Value}");
            }

            constants.Add(name, value);
        }

        return constants;
    }

    private static async Task RunCompilerAsync(string compiler, string[] arguments)
    {
        try
        {
            await ProcessRunner.RunCheckedAsync(compiler, arguments).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"{compiler} is not installed; the PKCS#11 header checks need gcc, gcc-mingw-w64-x86-64 and libp11-kit-dev (eng/prerequisites.sh test).", e);
        }
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z_][A-Za-z0-9_]*):\s*\r?\n\s*\.(?<directive>quad|zero|space)\s+(?<value>\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ConstantDefinition();
}
