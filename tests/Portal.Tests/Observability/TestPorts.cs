using System.Net;
using System.Net.Sockets;

namespace Qtsp.Portal.Tests.Observability;

public static class TestPorts
{
    /// <summary>A loopback port free right now (the system's choice for a listener that is closed again).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The arguments that give a test portal a metrics endpoint on a free port.</summary>
    public static string[] MetricsArguments() => ["--Observability:MetricsPort", Free().ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
