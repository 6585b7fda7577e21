#!/usr/bin/env bash
# Installs the agent's .deb on this machine (root, apt-get), starts it as the autostart entry says, with the demo
# device (eng/demo-device.sh through the PKCS#11 simulator) named in the user's settings file, and checks that the
# hub answers on loopback with the demo device; a second start must leave it to the running agent. Uninstalls after.
#
#   eng/test-agent-package.sh DEB
#
#   AGENT_TEST_PORT          loopback port for the installed agent (default 47189)
#   AGENT_PACKAGE_BROWSER    no: leave out the Chromium check (it needs the e2e project built)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deb=$(cd "$(dirname "${1:?usage: test-agent-package.sh DEB}")" && pwd)/$(basename "$1")
port=${AGENT_TEST_PORT:-47189}
url="http://127.0.0.1:$port"
origin="http://portal.test:5180"
work=$(mktemp -d)
agent_pid=

cleanup() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq qtsp-agent >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/home/.local/state/qtsp-agent/agent.log" ] && tail -n 30 "$work/home/.local/state/qtsp-agent/agent.log" >&2; exit 1; }

if curl -fs "$url/" >/dev/null 2>&1; then fail "port $port is in use already"; fi

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get install $deb failed"; }
[ -x /opt/qtsp-agent/Agent ] || fail "the package did not install /opt/qtsp-agent/Agent"
entry=/etc/xdg/autostart/qtsp-agent.desktop
exec_line=$(sed -n 's/^Exec=//p' "$entry")
[ -n "$exec_line" ] || fail "no Exec in $entry"

# A user's session: own home, the settings file naming the demo device's module and this test's port and portal.
simulator="$root/tests/Pkcs11Simulator/out/libp11sim.so"
[ -f "$simulator" ] || "$root/tests/Pkcs11Simulator/build.sh" "$root/tests/Pkcs11Simulator/out" >/dev/null
"$root/eng/demo-device.sh" "$work/device" >/dev/null
mkdir -p "$work/home/.config/qtsp-agent"
jq -n --arg url "$url" --arg origin "$origin" --arg lib "$simulator" \
  --arg softhsm "$work/device/softhsm2.conf" --arg sim "$work/device/p11sim.conf" \
  '{Agent: {Url: $url, AllowedOrigins: [$origin], Modules: [$lib], Environment: {SOFTHSM2_CONF: $softhsm, P11SIM_CONFIG: $sim}}}' \
  >"$work/home/.config/qtsp-agent/settings.json"
session=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8)

(cd "$work/home" && exec "${session[@]}" sh -c "exec $exec_line" >"$work/agent.out" 2>&1) &
agent_pid=$!
for _ in $(seq 1 100); do
  curl -fs "$url/" >"$work/identity.json" 2>/dev/null && break
  kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.out" >&2; fail "the installed agent exited"; }
  sleep 0.3
done
grep -q '"qtsp-token-agent"' "$work/identity.json" || { cat "$work/agent.out" >&2; fail "no agent identity at $url/"; }
grep -q "Token agent listening on $url" "$work/home/.local/state/qtsp-agent/agent.log" || fail "the log folder holds no listening line"
grep -q "No system tray" "$work/agent.out" || fail "without a session bus the agent should say it runs headless"

# The hub as a page reaches it (SignalR over long polling, so curl is enough): GetDevices lists the demo device.
token=$(curl -fs -X POST -H "Origin: $origin" "$url/hub/negotiate?negotiateVersion=1" | jq -r .connectionToken)
printf '{"protocol":"json","version":1}\036' | curl -fs -X POST -H "Origin: $origin" --data-binary @- "$url/hub?id=$token" >/dev/null
curl -fs -H "Origin: $origin" "$url/hub?id=$token" >/dev/null # the handshake's answer
printf '{"type":1,"invocationId":"1","target":"GetDevices","arguments":[]}\036' | curl -fs -X POST -H "Origin: $origin" --data-binary @- "$url/hub?id=$token" >/dev/null
answer=
for _ in $(seq 1 10); do
  answer+=$(curl -fs -m 10 -H "Origin: $origin" "$url/hub?id=$token" | tr '\036' '\n')
  grep -q '"invocationId":"1"' <<<"$answer" && break
done
devices=$(jq -c 'select(.type == 3 and .invocationId == "1") | [.result.value[] | {modelName, serialNumber}]' <<<"$answer")
[ "$devices" = '[{"modelName":"SafeNet eToken 5110 CC","serialNumber":"5110CC0000000001"}]' ] || fail "the hub listed $devices"

# A second start from the same entry leaves it to the running agent.
second=$(cd "$work/home" && "${session[@]}" sh -c "exec $exec_line" 2>&1) || fail "a second start failed: $second"
grep -q "already running at $url" <<<"$second" || fail "a second start said: $second"

kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=

# The portal's My token page in Chromium through the installed agent (the e2e test of the demo device, with the
# autostart entry's command in place of the built agent); needs the e2e project built (the test command builds it).
if [ "${AGENT_PACKAGE_BROWSER:-yes}" != no ]; then
  installed=$(command -v "${exec_line%% *}")
  XDG_STATE_HOME="$work/e2e-state" QTSP_E2E_INSTALLED_AGENT="$installed" dotnet test "$root/e2e" --no-build -nologo \
    --filter "FullyQualifiedName~DemoDeviceTests.ShowsTheDemoDeviceWithBothAreasCertificateAndServiceKey" \
    --logger "console;verbosity=minimal" >"$work/e2e.log" 2>&1 || { cat "$work/e2e.log" >&2; fail "My token in Chromium did not show the demo device through the installed agent"; }
  grep -q "Passed: *1" "$work/e2e.log" || { cat "$work/e2e.log" >&2; fail "the e2e test of the demo device did not run"; }
  grep -q "Token agent listening" "$work/e2e-state/qtsp-agent/agent.log" || fail "the e2e run did not use the installed agent"
fi

echo "Installed agent: $url answered with the demo device; a second start handed over; My token showed it in Chromium."
