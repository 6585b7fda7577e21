using System.Net;
using System.Net.Sockets;

namespace Qtsp.Portal.Tests.Hosting;

public static class PortalSessionPorts
{
    /// <summary>A loopback port nothing listens on (taken and released again).</summary>
    public static int Closed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
