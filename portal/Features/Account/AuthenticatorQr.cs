using QRCoder;

namespace Qtsp.Portal.Features.Account;

/// <summary>The otpauth:// URI an authenticator app reads (RFC 6238 TOTP, 6 digits, 30 s) as a QR code image.</summary>
public static class AuthenticatorQr
{
    public static string Uri(string issuer, string account, string key) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(account)}?secret={key}&issuer={System.Uri.EscapeDataString(issuer)}&digits=6&period=30";

    /// <summary>A PNG data: URI (the key goes into the page only, never into an address or a log).</summary>
    public static string DataUri(string issuer, string account, string key)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(Uri(issuer, account, key), QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
