using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Ca;

/// <summary>The certificates the portal recorded are the CA's registry of serial numbers.</summary>
public sealed class DatabaseIssuedSerialNumbers(IDbContextFactory<PortalDbContext> factory) : IIssuedSerialNumbers
{
    public async Task<bool> IsTakenAsync(string serialNumber, CancellationToken cancellationToken)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return await db.Certificates.AnyAsync(c => c.SerialNumber == serialNumber, cancellationToken).ConfigureAwait(false);
        }
    }
}
