#!/usr/bin/env bash
# Benchmarks (on demand, not part of the test command): each prints its numbers as ratios to a baseline measured in the
# same run. The load and circuit-memory benchmarks also write their tables and a plot (growth with users and circuits)
# to QTSP_BENCH_OUT (default .data/bench). BENCH=Name runs only the benchmark classes whose name contains Name.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eng/prerequisites.sh bench
dotnet tool restore >/dev/null # dotnet-gcdump: the circuit-memory benchmark's heap readings
tests/Pkcs11Simulator/build.sh
dotnet build Portal.sln -nologo -v quiet -clp:ErrorsOnly\;NoSummary
export QTSP_BENCH_OUT=${QTSP_BENCH_OUT:-$root/.data/bench}
mkdir -p "$QTSP_BENCH_OUT"
only=${BENCH:-}

source eng/test-postgres.sh
trap test_postgres_stop EXIT
test_postgres_start

if [ -z "$only" ]; then
  dotnet test tests/Portal.Tests --no-build -nologo --filter "Category=Benchmark" --logger "console;verbosity=detailed"
fi
# One process per benchmark class: the agent keeps a PKCS#11 module loaded for the life of its process, and each class
# starts its own demo device (or cluster).
for benchmark in TokenCareBenchmark BridgeRoundTripBenchmark CircuitMemoryBenchmark LoadBenchmark; do
  [ -n "$only" ] && [[ "$benchmark" != *"$only"* ]] && continue
  dotnet test e2e --no-build -nologo --filter "Category=Benchmark&FullyQualifiedName~$benchmark" --logger "console;verbosity=detailed"
done

eng/bench-plot.sh "$QTSP_BENCH_OUT"
