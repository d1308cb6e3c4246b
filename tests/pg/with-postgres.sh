#!/usr/bin/env bash
# with-postgres.sh COMMAND [ARG...] | --each PROGRAM...
# Runs COMMAND (or each PROGRAM in turn, all to pass) against a throwaway
# PostgreSQL server: initdb into a temporary directory, the server on a
# Unix socket in it only (listen_addresses=''), NARA_TEST_PG set to its
# libpq conninfo; the server and the directory are removed on every exit.
# PostgreSQL refuses to run as root, so as root (CI) it runs as the
# postgres system user (setpriv execs, so $! is the server itself and
# signals reach it). Exits 77 (skipped) when PostgreSQL is not installed.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  echo "with-postgres: no PostgreSQL server installed (tools/packages-test.txt): skipped"
  exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/nara-pg-XXXXXX")
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
pid=
stop() {
  if [ -n "$pid" ]; then
    # SIGINT: fast shutdown; the data is thrown away anyway
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 \
  --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
# Durability is not under test: no fsync makes the suite fast on a busy machine.
"${as_pg[@]}" "$bindir/postgres" -D "$dir/data" -k "$dir" -c listen_addresses='' -p 5432 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=50 >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [ -S "$dir/.s.PGSQL.5432" ] && "$bindir/pg_isready" -q -h "$dir" -p 5432 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log"; exit 1; }
  sleep 0.1
done
"$bindir/pg_isready" -q -h "$dir" -p 5432 || { cat "$dir/server.log"; exit 1; }

export NARA_TEST_PG="host=$dir port=5432 dbname=postgres user=postgres"
export NARA_TEST_PG_BIN="$bindir"
status=0
if [ "${1:-}" = --each ]; then
  for program in "${@:2}"; do
    echo "with-postgres: $program"
    "$program" || status=1
  done
else
  "$@" || status=$?
fi
exit "$status"
