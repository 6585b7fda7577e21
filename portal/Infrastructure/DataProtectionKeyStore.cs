using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// The Data Protection key ring in the portal's database, so that every instance behind the load balancer reads the
/// same keys (cookies, antiforgery tokens and circuit state made by one instance are readable by the others).
/// </summary>
public sealed class DataProtectionKeyStore(IDbContextFactory<PortalDbContext> factory) : IXmlRepository
{
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
}
