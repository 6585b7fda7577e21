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
# The agent as users install it (eng/package-agent.sh: the .deb and the Windows build folder), so a change that breaks
# the Windows build does not go unnoticed; the .deb is installed and run below, the Windows build run under Wine.
agent_packages=$(mktemp -d)
AGENT_ZIP=no eng/package-agent.sh "$agent_packages" >/dev/null

source eng/test-postgres.sh
trap 'test_postgres_stop; rm -rf "$agent_packages"' EXIT
test_postgres_start

failed=()
tests/Pkcs11Simulator/selftest.sh >/dev/null || failed+=("Pkcs11Simulator selftest")
eng/test-agent-package.sh "$agent_packages"/qtsp-agent_*_amd64.deb || failed+=("agent package (install and run the .deb)")
eng/test-agent-wine.sh "$agent_packages"/qtsp-agent-*-win-x64 || failed+=("agent's Windows build under Wine")
for project in tests/Shared.Tests tests/Agent.Tests tests/Portal.Tests e2e; do
  echo "== $project"
  dotnet test "$project" --no-build -nologo --filter "Category!=Benchmark" --logger "console;verbosity=minimal" || failed+=("$project")
done

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "All tests passed."
