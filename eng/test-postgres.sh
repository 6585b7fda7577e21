#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (Debian's postgresql package), on a free loopback port, in a
# temporary directory, with a role whose password is generated for this run. Sourced by eng/test.sh and
# eng/bench.sh:
#
#   source eng/test-postgres.sh
#   test_postgres_start      exports QTSP_TEST_POSTGRES (an Npgsql connection string of the role, database
#                            "postgres") and QTSP_TEST_POSTGRES_CONTROL (a script: stop | start | restart)
#   test_postgres_stop       stops the server and removes its directory
#
# initdb refuses to run as root, so as root the server runs as the "postgres" user the package creates.

test_postgres_start() {
  local bin port password
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$bin/initdb" ] || { echo "test-postgres: no PostgreSQL server binaries under /usr/lib/postgresql (eng/prerequisites.sh test installs them)" >&2; return 1; }

  QTSP_TEST_POSTGRES_DIR=$(mktemp -d /tmp/qtsp-test-postgres.XXXXXX)
  chmod 755 "$QTSP_TEST_POSTGRES_DIR"
  local as_server=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$QTSP_TEST_POSTGRES_DIR"
    as_server=(runuser -u postgres --)
  fi

  password=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
  port=$(test_postgres_free_port)
  printf '%s\n' "$password" | "${as_server[@]}" bash -c "umask 077; cat > '$QTSP_TEST_POSTGRES_DIR/password'"
  "${as_server[@]}" "$bin/initdb" -D "$QTSP_TEST_POSTGRES_DIR/data" -U qtsp_test --pwfile="$QTSP_TEST_POSTGRES_DIR/password" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$QTSP_TEST_POSTGRES_DIR/initdb.log" 2>&1 \
    || { cat "$QTSP_TEST_POSTGRES_DIR/initdb.log" >&2; return 1; }
  "${as_server[@]}" rm -f "$QTSP_TEST_POSTGRES_DIR/password"

  # Durability is not what these tests are about: no fsync keeps a database per test cheap.
  cat > "$QTSP_TEST_POSTGRES_DIR/control.sh" <<CONTROL
#!/usr/bin/env bash
# stop | start | restart the tests' PostgreSQL server
set -euo pipefail
exec ${as_server[*]} "$bin/pg_ctl" -D "$QTSP_TEST_POSTGRES_DIR/data" -l "$QTSP_TEST_POSTGRES_DIR/server.log" -w -t 60 -m fast \
  -o "-p $port -k $QTSP_TEST_POSTGRES_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" "\$1"
CONTROL
  chmod 755 "$QTSP_TEST_POSTGRES_DIR/control.sh"
  "$QTSP_TEST_POSTGRES_DIR/control.sh" start >/dev/null || { cat "$QTSP_TEST_POSTGRES_DIR/server.log" >&2; return 1; }

  export QTSP_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=qtsp_test;Password=$password;Database=postgres"
  export QTSP_TEST_POSTGRES_CONTROL="$QTSP_TEST_POSTGRES_DIR/control.sh"
  echo "test-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

test_postgres_stop() {
  if [ -n "${QTSP_TEST_POSTGRES_DIR:-}" ] && [ -d "$QTSP_TEST_POSTGRES_DIR" ]; then
    "$QTSP_TEST_POSTGRES_DIR/control.sh" stop >/dev/null 2>&1 || true
    rm -rf "$QTSP_TEST_POSTGRES_DIR"
  fi
  unset QTSP_TEST_POSTGRES QTSP_TEST_POSTGRES_CONTROL QTSP_TEST_POSTGRES_DIR
}

test_postgres_free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  echo "test-postgres: no free port found" >&2
  return 1
}
