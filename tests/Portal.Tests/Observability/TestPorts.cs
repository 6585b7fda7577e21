using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Observability;

public static class TestPorts
{
    /// <inheritdoc cref="LoopbackPorts.Free"/>
    public static int Free() => LoopbackPorts.Free();

    /// <summary>The arguments that give a test portal a metrics endpoint on a free port.</summary>
    public static string[] MetricsArguments() => ["--Observability:MetricsPort", Free().ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
