#!/usr/bin/env bash
# Runs every test: installs what the tests need when missing (apt, npm, NuGet restore), builds the
# PKCS#11 simulator, starts a throwaway PostgreSQL server (eng/test-postgres.sh) and runs each test project
# including the browser (Playwright + Chromium) tests.
# Benchmarks are not part of this run: eng/bench.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

eng/prerequisites.sh test
tests/Pkcs11Simulator/build.sh
dotnet build Portal.sln -nologo -v quiet -clp:ErrorsOnly\;NoSummary
# The Windows agent is built here too, so a change that breaks it does not go unnoticed.
windows_agent=$(mktemp -d)
dotnet publish agent -r win-x64 -c Release -o "$windows_agent" -nologo -v quiet -clp:ErrorsOnly\;NoSummary
rm -rf "$windows_agent"

source eng/test-postgres.sh
trap test_postgres_stop EXIT
test_postgres_start

failed=()
tests/Pkcs11Simulator/selftest.sh >/dev/null || failed+=("Pkcs11Simulator selftest")
for project in tests/Shared.Tests tests/Agent.Tests tests/Portal.Tests e2e; do
  echo "== $project"
  dotnet test "$project" --no-build -nologo --filter "Category!=Benchmark" --logger "console;verbosity=minimal" || failed+=("$project")
done

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "All tests passed."
