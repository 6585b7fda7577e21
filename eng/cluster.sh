#!/usr/bin/env bash
# Runs the portal as a cluster on this PC: a PostgreSQL server, N portal instances and HAProxy in front of them
# (cookie-based sticky sessions, WebSockets for the Blazor circuits), all on loopback ports. Every instance uses the
# same database and the same data folder (one SoftHSM2 token: one CA, one Data Protection wrapping key), like
# instances behind a load balancer sharing a network HSM. Ctrl+C stops everything.
#
# Settings (environment variables):
#   QTSP_DATA          data folder (default: .data/cluster in the repository; ignored by git). PostgreSQL's files,
#                      the portals' shared data folder and the demo device are kept there between runs.
#   CLUSTER_URL        where HAProxy listens, the address users open (default http://127.0.0.1:5190)
#   CLUSTER_SIZE       how many portal instances (default 2)
#   CLUSTER_PORT       the first instance's port; the others follow (default 5191, 5192, ...)
#   CLUSTER_PORTS      the instances' ports instead, separated by spaces (sets the size too)
#   CLUSTER_POSTGRES_PORT  PostgreSQL's port (default 5189)
#   CLUSTER_METRICS_PORT   the first instance's Prometheus port (loopback); the others follow (default 9471, 9472, ...)
#   CLUSTER_AGENT      yes (default): also the token agent and the demo device, as eng/run.sh; no: the portals only
#   AGENT_URL          where the agent listens (default http://127.0.0.1:47180; loopback only)
#   CLUSTER_BUILD      no: use the portal as built already (the cluster test builds once)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data=$(mkdir -p "${QTSP_DATA:-$root/.data/cluster}" && cd "${QTSP_DATA:-$root/.data/cluster}" && pwd)
cluster_url=${CLUSTER_URL:-http://127.0.0.1:5190}
size=${CLUSTER_SIZE:-2}
first_port=${CLUSTER_PORT:-5191}
pg_port=${CLUSTER_POSTGRES_PORT:-5189}
first_metrics_port=${CLUSTER_METRICS_PORT:-9471}
agent_url=${AGENT_URL:-http://127.0.0.1:47180}
with_agent=${CLUSTER_AGENT:-yes}
configuration=Debug
# The host and port in CLUSTER_URL: the only Host the portals answer to, and HAProxy's listening port.
cluster_host=$(sed -E 's#^[a-zA-Z]+://(\[[^]]*\]|[^/:]+).*#\1#' <<< "$cluster_url")
cluster_port=$(sed -E 's#^[a-zA-Z]+://(\[[^]]*\]|[^/:]+):([0-9]+).*#\2#' <<< "$cluster_url")
[[ "$cluster_port" =~ ^[0-9]+$ ]] || { echo "cluster: CLUSTER_URL needs an explicit port, e.g. http://127.0.0.1:5190" >&2; exit 1; }
[[ "$size" =~ ^[1-9][0-9]*$ ]] || { echo "cluster: CLUSTER_SIZE must be a positive number" >&2; exit 1; }

"$root/eng/prerequisites.sh" cluster

pids=()
pg_pid=""
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  [ ${#pids[@]} -gt 0 ] && wait "${pids[@]}" 2>/dev/null || true
  # The database last, once no portal uses it; SIGINT is PostgreSQL's fast shutdown.
  [ -n "$pg_pid" ] && kill -INT "$pg_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# --- PostgreSQL: created once under the data folder, with a generated password for the portals' role --------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "cluster: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }
pg_dir="$data/postgres"
as_server=()
as_child=()
if [ "$(id -u)" -eq 0 ]; then # initdb and postgres refuse to run as root
  as_server=(runuser -u postgres --)
  as_child=(setpriv --reuid=postgres --regid=postgres --init-groups) # execs: the server's pid is the child's
fi
if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
  rm -rf "$pg_dir"
  mkdir -p "$pg_dir"
  chmod 700 "$pg_dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg_dir"
  (umask 077; head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 > "$data/postgres.password")
  "${as_server[@]}" bash -c "umask 077; cat > '$pg_dir/pwfile'" < "$data/postgres.password"
  "${as_server[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U qtsp --pwfile="$pg_dir/pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; exit 1; }
  "${as_server[@]}" rm -f "$pg_dir/pwfile"
fi
# A child of this script (not daemonised by pg_ctl), so that it ends with it whatever ends it.
"${as_child[@]}" "$pg_bin/postgres" -D "$pg_dir/data" -p "$pg_port" -k "$pg_dir" -c listen_addresses=127.0.0.1 \
  >"$data/postgres.log" 2>&1 &
pg_pid=$!
for _ in $(seq 1 120); do
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
  kill -0 "$pg_pid" 2>/dev/null || { cat "$data/postgres.log" >&2; exit 1; }
  sleep 0.5
done
export PGPASSWORD
PGPASSWORD=$(cat "$data/postgres.password")
"$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U qtsp -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'portal'" | grep -q 1 \
  || "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U qtsp portal
unset PGPASSWORD
connection="Host=127.0.0.1;Port=$pg_port;Username=qtsp;Password=$(cat "$data/postgres.password");Database=portal"

# --- Build, demo device ------------------------------------------------------------------------------------------
build() {
  local log
  log=$(mktemp)
  dotnet build "$1" -c "$configuration" -nologo -v quiet >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
}
if [ "${CLUSTER_BUILD:-yes}" != no ]; then
  echo "Building the portal and the agent..."
  build "$root/portal/Portal.csproj"
  [ "$with_agent" = yes ] && build "$root/agent/Agent.csproj"
fi
demo_args=()
if [ "$with_agent" = yes ]; then
  "$root/eng/prerequisites.sh" run
  simulator=$("$root/tests/Pkcs11Simulator/build.sh" "$data/bin" >/dev/null && echo "$data/bin/libp11sim.so")
  DEMO_HOLDER_CERTIFICATE=none DEMO_HOLDER_AUTH_KEY=yes "$root/eng/demo-device.sh" "$data/demo"
  demo_args=("--Demo:ServiceKeyPath=$data/demo/service-key.pub.pem"
    "--Demo:HolderPublicKeyPath=$data/demo/holder.pub.pem" "--Demo:HolderCertificatePath=$data/demo/holder.cert.der"
    "--Demo:HolderAuthenticationPublicKeyPath=$data/demo/holder-auth.pub.pem"
    "--Demo:HolderAuthenticationCertificatePath=$data/demo/holder-auth.cert.der")
fi

# --- The portals: one database, one data folder, HAProxy the only proxy whose forwarded headers are believed -------
# Everything every instance must agree on comes from here: the database, the data folder (the CA's SoftHSM2 token, its
# PIN file, the certificates, the mail pickup folder), the public address. Data Protection's application name is fixed
# in the portal (KeyProtectionSetup), its keys live in the database, wrapped by the token's key.
portal_args=("--AllowedHosts=$cluster_host" "--Portal:DataDirectory=$data/portal"
  "--Database:Provider=PostgreSql" "--ConnectionStrings:Portal=$connection"
  "--Hosting:KnownProxies:0=127.0.0.1"
  "--AgentBridge:Url=$agent_url" "--Pki:PublicBaseUrl=$cluster_url" "--Reminders:PortalUrl=$cluster_url"
  "--Demo:Enabled=true" "${demo_args[@]}")

ports=()
[ -n "${CLUSTER_PORTS:-}" ] && read -r -a ports <<< "$CLUSTER_PORTS" && size=${#ports[@]}
for i in $(seq 1 "$size"); do [ -n "${ports[$i - 1]:-}" ] || ports[$i - 1]=$((first_port + i - 1)); done
portal_pids=()
start_portal() { # index
  local port=${ports[$1 - 1]}
  (cd "$root/portal" && exec dotnet "bin/$configuration/net10.0/Portal.dll" --urls "http://127.0.0.1:$port" \
    "--Observability:MetricsPort=$((first_metrics_port + $1 - 1))" "${portal_args[@]}") \
    > >(sed -u "s/^/[portal-$1] /") 2>&1 &
  pids+=($!)
  portal_pids+=($!)
}
wait_healthy() { # index
  local port=${ports[$1 - 1]}
  for _ in $(seq 1 240); do
    curl -fs -H "Host: $cluster_host" "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    kill -0 "${portal_pids[$1 - 1]}" 2>/dev/null || { echo "cluster: portal-$1 did not start." >&2; exit 1; }
    sleep 0.5
  done
  echo "cluster: portal-$1 did not answer /health." >&2
  exit 1
}

# The first instance alone: on a fresh data folder it creates the CA (under the creation lock the others would wait
# on anyway), migrates the database and writes the demo data; then the others start together.
start_portal 1
wait_healthy 1
for i in $(seq 2 "$size"); do start_portal "$i"; done
for i in $(seq 2 "$size"); do wait_healthy "$i"; done
printf '%s\n' "${portal_pids[@]}" > "$data/portal.pids"

# --- HAProxy --------------------------------------------------------------------------------------------------------
# Sticky by a cookie HAProxy inserts (SERVERID, only on responses that had none, never cached); a dead instance is
# marked down by the health checks within ~3 s (a refused check every 2 s, then every 0.5 s until three in a row) and its
# users' requests go to another one (redispatch). A busy instance is not a dead one: its check may take up to 5 s (under
# full load the readiness answer waited over 2 s, and taking the instance out then cut all its users' circuits and
# pushed them onto the others). WebSockets (the Blazor circuits) pass as tunnels with a long idle timeout. An instance
# is in while /health/ready says its database, the CA's token and mail are reachable.
{
  cat <<CONFIG
global
    maxconn 2000

defaults
    mode http
    option forwardfor
    option redispatch
    retries 2
    timeout connect 3s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-keep-alive 10s
    timeout check 5s

frontend portal
    bind $cluster_host:$cluster_port
    http-request del-header X-Forwarded-Proto
    http-request del-header X-Forwarded-Host
    default_backend portals

backend portals
    balance roundrobin
    cookie SERVERID insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host $cluster_host
    http-check expect status 200
    default-server check inter 2s fastinter 500ms fall 3 rise 2 on-marked-down shutdown-sessions
CONFIG
  for i in $(seq 1 "$size"); do
    echo "    server portal-$i 127.0.0.1:${ports[$i - 1]} cookie portal-$i"
  done
} > "$data/haproxy.cfg"
haproxy -c -q -f "$data/haproxy.cfg"
haproxy -db -f "$data/haproxy.cfg" > >(sed -u 's/^/[haproxy] /') 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fs "$cluster_url/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "$cluster_url/health" >/dev/null || { echo "cluster: HAProxy does not answer at $cluster_url" >&2; exit 1; }

# --- The agent (optional), as eng/run.sh runs it ----------------------------------------------------------------------
if [ "$with_agent" = yes ]; then
  if [ -f "$data/demo/holder.cert.der" ] && ! cmp -s "$data/demo/holder.cert.der" "$data/demo/holder.cert.installed.der"; then
    "$root/eng/demo-device.sh" "$data/demo" --install-certificate "$data/demo/holder.cert.der"
    cp "$data/demo/holder.cert.der" "$data/demo/holder.cert.installed.der"
  fi
  if [ -f "$data/demo/holder-auth.cert.der" ] && ! cmp -s "$data/demo/holder-auth.cert.der" "$data/demo/holder-auth.cert.installed.der"; then
    "$root/eng/demo-device.sh" "$data/demo" --install-authentication-certificate "$data/demo/holder-auth.cert.der"
    cp "$data/demo/holder-auth.cert.der" "$data/demo/holder-auth.cert.installed.der"
  fi
  agent_args=(--headless "--Agent:Url=$agent_url" "--Agent:AllowedOrigins:0=$cluster_url"
    "--Agent:Environment:SOFTHSM2_CONF=$data/demo/softhsm2.conf"
    "--Agent:Environment:P11SIM_CONFIG=$data/demo/p11sim.conf" "--Agent:Modules:0=$simulator")
  (cd "$root/agent" && exec dotnet "bin/$configuration/net10.0/Agent.dll" "${agent_args[@]}") &
  pids+=($!)
fi

cat <<INFO

  Portal (HAProxy):  $cluster_url
  Instances:         $(for i in $(seq 1 "$size"); do printf 'portal-%s http://127.0.0.1:%s (pid %s)  ' "$i" "${ports[$i - 1]}" "${portal_pids[$i - 1]}"; done)
  PostgreSQL:        127.0.0.1:$pg_port (files in $pg_dir, role qtsp, password in $data/postgres.password)
  Data folder:       $data/portal (shared by the instances)
  Sign-in:           the demo accounts and their passwords were printed above at the first start
                     (to get new ones, stop and delete $data)
  Failover:          kill an instance's pid; its users' pages reconnect to another one.
  Press Ctrl+C to stop.

INFO
# Until Ctrl+C, or until HAProxy or every portal has gone.
wait "${pids[@]}" 2>/dev/null || true
