using System.Net;
using System.Net.Sockets;

namespace Qtsp.TestSupport;

public static class LoopbackPorts
{
    /// <summary>A loopback port free right now (the system's choice for a listener that is closed again).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
