#!/usr/bin/env bash
# Benchmarks (on demand, not part of the test command): each prints its numbers as ratios to a
# baseline measured in the same run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eng/prerequisites.sh test
tests/Pkcs11Simulator/build.sh
dotnet build Portal.sln -nologo -v quiet -clp:ErrorsOnly\;NoSummary

source eng/test-postgres.sh
trap test_postgres_stop EXIT
test_postgres_start

dotnet test tests/Portal.Tests --no-build -nologo --filter "Category=Benchmark" --logger "console;verbosity=detailed"
# One process per benchmark class: the agent keeps a PKCS#11 module loaded for the life of its process, and each class
# starts its own demo device.
for benchmark in TokenCareBenchmark BridgeRoundTripBenchmark; do
  dotnet test e2e --no-build -nologo --filter "Category=Benchmark&FullyQualifiedName~$benchmark" --logger "console;verbosity=detailed"
done
