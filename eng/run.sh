#!/usr/bin/env bash
# Runs the product on this PC: a demo SoftHSM2 device (an eToken 5110 CC look-alike, created once),
# the token agent and the portal (SQLite, embedded defaults). Ctrl+C stops both.
#
# Settings (environment variables):
#   QTSP_DATA      data folder (default: .data/ in the repository; ignored by git)
#   PORTAL_URL     where the portal listens (default http://127.0.0.1:5180)
#   AGENT_URL      where the agent listens (default http://127.0.0.1:47180; loopback only)
#   AGENT_MODULES  PKCS#11 libraries for the agent, separated by ':' (default: the simulator over the demo device)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data=$(mkdir -p "${QTSP_DATA:-$root/.data}" && cd "${QTSP_DATA:-$root/.data}" && pwd)
portal_url=${PORTAL_URL:-http://127.0.0.1:5180}
agent_url=${AGENT_URL:-http://127.0.0.1:47180}
# The host name in PORTAL_URL (without scheme, port and path): the only Host the portal answers to.
portal_host=$(sed -E 's#^[a-zA-Z]+://(\[[^]]*\]|[^/:]+).*#\1#' <<< "$portal_url")
configuration=Debug

"$root/eng/prerequisites.sh" run
simulator=$("$root/tests/Pkcs11Simulator/build.sh" "$data/bin" >/dev/null && echo "$data/bin/libp11sim.so")
DEMO_HOLDER_CERTIFICATE=none DEMO_HOLDER_AUTH_KEY=yes "$root/eng/demo-device.sh" "$data/demo"

# Quiet unless the build fails (dotnet build prints its summary even at -v quiet).
build() {
  local log
  log=$(mktemp)
  dotnet build "$1" -c "$configuration" -nologo -v quiet >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
}
echo "Building the agent and the portal..."
build "$root/agent/Agent.csproj"
build "$root/portal/Portal.csproj"

agent_args=(--headless "--Agent:Url=$agent_url" "--Agent:AllowedOrigins:0=$portal_url"
  "--Agent:Environment:SOFTHSM2_CONF=$data/demo/softhsm2.conf"
  "--Agent:Environment:P11SIM_CONFIG=$data/demo/p11sim.conf")
IFS=':' read -r -a modules <<< "${AGENT_MODULES:-$simulator}"
for i in "${!modules[@]}"; do agent_args+=("--Agent:Modules:$i=${modules[$i]}"); done

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# The portal first: at its first start (a fresh data folder) it creates the CA (keys in a SoftHSM2 token under
# $data/portal/ca) and the demo data - an organisation with a representative and applicants, the demo device's holder
# Jan Novák with his qualified certificate (and the commercial one he signs in with) issued by that CA, a support user and an RA operator - and prints the
# accounts' one-time passwords.
(cd "$root/portal" && exec dotnet "bin/$configuration/net10.0/Portal.dll" --urls "$portal_url" \
  "--AllowedHosts=$portal_host" "--Portal:DataDirectory=$data/portal" "--AgentBridge:Url=$agent_url" "--Pki:PublicBaseUrl=$portal_url" "--Reminders:PortalUrl=$portal_url" \
  "--Demo:Enabled=true" "--Demo:ServiceKeyPath=$data/demo/service-key.pub.pem" \
  "--Demo:HolderPublicKeyPath=$data/demo/holder.pub.pem" "--Demo:HolderCertificatePath=$data/demo/holder.cert.der" \
  "--Demo:HolderAuthenticationPublicKeyPath=$data/demo/holder-auth.pub.pem" \
  "--Demo:HolderAuthenticationCertificatePath=$data/demo/holder-auth.cert.der") &
pids+=($!)

for _ in $(seq 1 240); do
  curl -fs "$portal_url/health" >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "The portal did not start." >&2; exit 1; }
  sleep 0.5
done

# The holder's certificate onto the demo device, next to its key, before the agent opens the device (again when the
# portal's data folder was made anew and its CA issued a new one).
if [ -f "$data/demo/holder.cert.der" ] && ! cmp -s "$data/demo/holder.cert.der" "$data/demo/holder.cert.installed.der"; then
  "$root/eng/demo-device.sh" "$data/demo" --install-certificate "$data/demo/holder.cert.der"
  cp "$data/demo/holder.cert.der" "$data/demo/holder.cert.installed.der"
fi
# And his commercial certificate next to the standard area's authentication key: he can sign in with the token.
if [ -f "$data/demo/holder-auth.cert.der" ] && ! cmp -s "$data/demo/holder-auth.cert.der" "$data/demo/holder-auth.cert.installed.der"; then
  "$root/eng/demo-device.sh" "$data/demo" --install-authentication-certificate "$data/demo/holder-auth.cert.der"
  cp "$data/demo/holder-auth.cert.der" "$data/demo/holder-auth.cert.installed.der"
fi

(cd "$root/agent" && exec dotnet "bin/$configuration/net10.0/Agent.dll" "${agent_args[@]}") &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fs "$agent_url/" >/dev/null 2>&1 && break
  sleep 0.5
done
cat <<INFO

  Portal:      $portal_url          (My token: $portal_url/token)
  Token agent: $agent_url
  Demo device: $data/demo  - PIN 1234, PUK 12341234, QPIN 123456, QPUK 123456
  Sign-in:     the demo accounts and their passwords were printed above at the portal's first start
               (to get new ones, stop and delete $data/portal)
  Press Ctrl+C to stop.

INFO
wait -n "${pids[@]}"
