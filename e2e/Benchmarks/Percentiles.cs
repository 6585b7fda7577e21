namespace Qtsp.E2E.Benchmarks;

public sealed record Percentiles(double P50, double P95, int Count)
{
    public static Percentiles Of(IReadOnlyCollection<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return new Percentiles(At(sorted, 0.50), At(sorted, 0.95), sorted.Length);
    }

    // Nearest-rank percentile.
    private static double At(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public override string ToString() => FormattableString.Invariant($"p50 {P50:0.000} ms, p95 {P95:0.000} ms (n={Count})");
}
