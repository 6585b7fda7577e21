using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Infrastructure.DataProtection;

/// <summary>
/// Data Protection with its key ring in the database (<see cref="DataProtectionKeyStore"/>) and the keys' secrets
/// encrypted by something the database does not hold: the CA's PKCS#11 token (default) or a configured certificate.
/// A copy of the database alone then neither reads a sign-in cookie nor forges one.
/// </summary>
public static partial class KeyProtectionSetup
{
    public const string ApplicationName = "qtsp-portal";

    public static IServiceCollection AddPortalDataProtection(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var settings = configuration.GetSection(KeyProtectionOptions.Section).Get<KeyProtectionOptions>() ?? new KeyProtectionOptions();
        services.AddOptions<KeyProtectionOptions>().BindConfiguration(KeyProtectionOptions.Section);
        var dataProtection = services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>()
            .Configure<IDbContextFactory<PortalDbContext>>((options, factory) => options.XmlRepository = new DataProtectionKeyStore(factory));
        switch (settings.KeyProtection)
        {
            case KeyProtection.Token:
                services.AddSingleton<TokenWrappingKey>();
                services.AddOptions<KeyManagementOptions>()
                    .Configure<TokenWrappingKey>((options, key) => options.XmlEncryptor = new TokenXmlEncryptor(key));
                break;
            case KeyProtection.Certificate:
                var certificate = LoadCertificate(settings);
                dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
                break;
            case KeyProtection.None when environment.IsDevelopment():
                break;
            default:
                throw new KeyProtectionException(
                    $"{KeyProtectionOptions.Section}:KeyProtection={settings.KeyProtection} is allowed only in the Development environment: the keys that sign cookies would be stored in clear. Use Token (the CA's PKCS#11 token) or Certificate.");
        }

        return services;
    }

    /// <summary>
    /// At start: the token (or certificate) works, and keys stored in clear before are encrypted now. Throws
    /// <see cref="KeyProtectionException"/> when the keys cannot be protected.
    /// </summary>
    public static async Task PrepareAsync(IServiceProvider services)
    {
        if (services.GetService<TokenWrappingKey>() is { } tokenKey)
        {
            await tokenKey.OpenAsync().ConfigureAwait(false);
            byte[] probe = [1, 2, 3, 4];
            if (!tokenKey.Decrypt(tokenKey.Encrypt(probe)).AsSpan().SequenceEqual(probe))
            {
                throw new KeyProtectionException($"The wrapping key '{tokenKey.Label}' on the CA's token does not decrypt what it encrypted.");
            }
        }

        var keyManagement = services.GetRequiredService<IOptions<KeyManagementOptions>>().Value;
        if (keyManagement is { XmlEncryptor: { } encryptor, XmlRepository: DataProtectionKeyStore store })
        {
            var count = store.ProtectClearSecrets(encryptor);
            if (count > 0)
            {
                var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(KeyProtectionSetup));
                LogProtected(logger, count);
            }
        }
    }

    private static X509Certificate2 LoadCertificate(KeyProtectionOptions settings)
    {
        X509Certificate2? certificate;
        try
        {
            certificate = settings switch
            {
                { CertificatePath: { Length: > 0 } path } => X509CertificateLoader.LoadPkcs12FromFile(path, settings.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet),
                { CertificateThumbprint: { Length: > 0 } thumbprint } => FromStore(StoreLocation.CurrentUser, thumbprint) ?? FromStore(StoreLocation.LocalMachine, thumbprint),
                _ => throw new KeyProtectionException($"{KeyProtectionOptions.Section}:KeyProtection=Certificate needs {KeyProtectionOptions.Section}:CertificatePath (with CertificatePassword) or CertificateThumbprint."),
            };
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new KeyProtectionException($"The Data Protection certificate could not be loaded: {exception.Message}", exception);
        }

        if (certificate is null || !certificate.HasPrivateKey)
        {
            throw new KeyProtectionException("The Data Protection certificate was not found or has no private key (needed to decrypt the keys).");
        }

        return certificate;
    }

    private static X509Certificate2? FromStore(StoreLocation location, string thumbprint)
    {
        using var store = new X509Store(StoreName.My, location);
        store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
        var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint.Replace(" ", "", StringComparison.Ordinal), validOnly: false);
        return found.Count == 0 ? null : found[0];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Encrypted {Count} Data Protection keys that were stored in clear")]
    private static partial void LogProtected(ILogger logger, int count);
}
