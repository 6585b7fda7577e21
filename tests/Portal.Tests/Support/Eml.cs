using System.Text;

namespace Qtsp.Portal.Tests.Support;

/// <summary>The headers and the decoded text body of an .eml file as the pickup folder gets it (base64 or quoted-printable UTF-8).</summary>
public sealed record Eml(string Headers, string Body)
{
    public static Eml Read(string path)
    {
        var text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var headers = text[..split];
        var body = text[(split + 2)..];
        if (headers.Contains("Content-Transfer-Encoding: base64", StringComparison.OrdinalIgnoreCase))
        {
            body = Encoding.UTF8.GetString(Convert.FromBase64String(string.Concat(body.Split('\n', StringSplitOptions.RemoveEmptyEntries))));
        }
        else if (headers.Contains("Content-Transfer-Encoding: quoted-printable", StringComparison.OrdinalIgnoreCase))
        {
            var joined = body.Replace("=\n", "", StringComparison.Ordinal);
            var bytes = new List<byte>();
            for (var i = 0; i < joined.Length; i++)
            {
                if (joined[i] == '=' && i + 2 < joined.Length && Uri.IsHexDigit(joined[i + 1]) && Uri.IsHexDigit(joined[i + 2]))
                {
                    bytes.Add(Convert.ToByte(joined.Substring(i + 1, 2), 16));
                    i += 2;
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(joined[i].ToString()));
                }
            }

            body = Encoding.UTF8.GetString([.. bytes]);
        }

        return new Eml(headers, body);
    }
}
