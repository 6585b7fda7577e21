#!/usr/bin/env bash
# Installs the Debian packages the product needs, only those missing.
#   eng/prerequisites.sh run    what the run command needs (SoftHSM2, OpenSC, the simulator's compiler and header)
#   eng/prerequisites.sh cluster   plus a PostgreSQL server and HAProxy (eng/cluster.sh)
#   eng/prerequisites.sh test   plus what the tests need (Chromium, a PostgreSQL server, HAProxy for the cluster,
#                               an SMTP server for the outbox: Python's aiosmtpd, a D-Bus daemon for the
#                               tray, jq and zip for the agent's packages, Wine and Xvfb for its Windows build)
#   eng/prerequisites.sh bench  what the tests need, plus gnuplot for the benchmarks' plot (eng/bench.sh)
#   eng/prerequisites.sh wine   only what eng/test-agent-wine.sh needs
set -euo pipefail

purpose=${1:-run}
wine=(wine wine64 xvfb jq curl python3) # 64-bit Wine only: the agent's Windows build is x64
if [ "$purpose" = wine ]; then
  packages=("${wine[@]}")
else
  packages=(softhsm2 opensc libp11-kit-dev gcc make openssl curl)
  if [ "$purpose" = cluster ]; then
    packages+=(postgresql haproxy)
  fi
  if [ "$purpose" = bench ]; then
    purpose=test
    packages+=(gnuplot-nox)
  fi
  if [ "$purpose" = test ]; then
    packages+=(chromium fonts-dejavu-core postgresql haproxy python3-aiosmtpd)
    packages+=(dbus-daemon jq zip) # the tray's session-bus tests; the agent package's build and install test
    packages+=("${wine[@]}")       # the Windows build under Wine (eng/test-agent-wine.sh)
  fi
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "prerequisites: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "prerequisites: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
