using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// The Data Protection key ring in the portal's database, so that every instance behind the load balancer reads the
/// same keys (cookies, antiforgery tokens and circuit state made by one instance are readable by the others). The keys'
/// secrets are encrypted before they reach it (<see cref="DataProtection.KeyProtectionSetup"/>).
/// </summary>
public sealed class DataProtectionKeyStore(IDbContextFactory<PortalDbContext> factory) : IXmlRepository
{
    private static readonly XNamespace DataProtectionNamespace = "http://schemas.asp.net/2015/03/dataProtection";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = factory.CreateDbContext();
        return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList().Select(x => XElement.Parse(x)).ToArray();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var db = factory.CreateDbContext();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }

    /// <summary>
    /// Encrypts, in place, the secrets of keys stored before their encryption was configured (as Data Protection does for
    /// a new key): the cookies they protected stay readable, and the database no longer holds a master key in clear.
    /// </summary>
    public int ProtectClearSecrets(IXmlEncryptor encryptor)
    {
        using var db = factory.CreateDbContext();
        DatabaseSecrets.OverwriteDeletedContent(db);
        var protectedKeys = 0;
        foreach (var row in db.DataProtectionKeys.OrderBy(k => k.Id).ToList())
        {
            var element = XElement.Parse(row.Xml);
            var clear = element.Descendants().Where(e => (bool?)e.Attribute(DataProtectionNamespace + "requiresEncryption") == true).ToList();
            if (clear.Count == 0)
            {
                continue;
            }

            foreach (var secret in clear)
            {
                var encrypted = encryptor.Encrypt(new XElement(secret));
                secret.ReplaceWith(new XElement(DataProtectionNamespace + "encryptedSecret",
                    new XAttribute("decryptorType", encrypted.DecryptorType.AssemblyQualifiedName!),
                    encrypted.EncryptedElement));
            }

            row.Xml = element.ToString(SaveOptions.DisableFormatting);
            protectedKeys++;
        }

        db.SaveChanges();
        return protectedKeys;
    }
}

/// <summary>What a replaced secret leaves behind in the database file.</summary>
public static class DatabaseSecrets
{
    /// <summary>
    /// SQLite keeps a replaced row's old bytes in free pages of the file until they are reused: with secure_delete on this
    /// connection, its own updates overwrite them. (PostgreSQL keeps old row versions until VACUUM; its files are not the
    /// copy an attacker of this kind takes.)
    /// </summary>
    public static void OverwriteDeletedContent(PortalDbContext db)
    {
        if (db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            db.Database.OpenConnection();
            db.Database.ExecuteSqlRaw("PRAGMA secure_delete = ON");
        }
    }
}
