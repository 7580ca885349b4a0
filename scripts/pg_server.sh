#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for tests and benchmarks (Debian's postgresql package).
#   scripts/pg_server.sh start DIR   -> prints the SQLAlchemy URL of a fresh database "charge"
#   scripts/pg_server.sh stop DIR
# Listens only on a Unix socket inside DIR (no TCP), so nothing else on the machine can reach it.
# PostgreSQL refuses to run as root: as root the cluster is owned by the "postgres" system user.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ]; then
  echo "pg_server: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
    as_owner "$bindir/createdb" -h "$dir" -U postgres charge
    echo "postgresql+psycopg://postgres@/charge?host=$dir"
    ;;
  stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
