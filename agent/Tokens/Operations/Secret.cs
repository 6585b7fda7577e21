using System.Security.Cryptography;
using System.Text;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// A secret typed by the user (PIN, PUK, file password), as it arrived from the page: UTF-16 code units.
/// It is converted to UTF-8 for PKCS#11 once, and disposing overwrites both copies. Never logged, never
/// turned into a string.
/// </summary>
internal sealed class Secret : IDisposable
{
    private readonly int[] _codes;
    private readonly char[] _chars;
    private readonly byte[] _utf8;

    public Secret(int[]? codes)
    {
        _codes = codes ?? [];
        _chars = new char[_codes.Length];
        for (var i = 0; i < _codes.Length; i++)
        {
            _chars[i] = _codes[i] is >= 0 and <= char.MaxValue ? (char)_codes[i] : '\uFFFD';
        }

        _utf8 = Encoding.UTF8.GetBytes(_chars);
    }

    public bool IsEmpty => _codes.Length == 0;

    /// <summary>The UTF-8 bytes themselves (not a copy), for the one PKCS#11 call that needs them; never kept.</summary>
    public byte[] Utf8 => _utf8;

    public ReadOnlySpan<char> Chars => _chars;

    public PinPolicyViolation? Violates(PinPolicy policy) => policy.Check(_chars);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_utf8);
        Array.Clear(_chars);
        Array.Clear(_codes);
    }
}
