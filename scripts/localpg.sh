#!/usr/bin/env bash
# The project-local PostgreSQL + PostGIS cluster.
#
#   scripts/localpg.sh start    create (first time) and start it, write DATABASE_URL to .env
#   scripts/localpg.sh stop     stop it
#   scripts/localpg.sh status
#
# It listens only on its own Unix socket, so it never collides with a system
# server. initdb refuses to run as root, so as root the cluster belongs to the
# postgres user and lives under /var/lib/girrepo/ (a checkout in root's home is
# not reachable by that user); otherwise it lives in .local/pg in the checkout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PGV="$(ls /usr/lib/postgresql | sort -V | tail -1)"
PGBIN="/usr/lib/postgresql/$PGV/bin"
PORT="${GIRREPO_PG_PORT:-54329}"
if [[ $(id -u) -eq 0 ]]; then
    BASE="/var/lib/girrepo/pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-10)"
    AS=(runuser -u postgres --)
else
    BASE="$ROOT/.local/pg"
    AS=()
fi
DATA="$BASE/data"
SOCK="$BASE/run"
LOG="$BASE/server.log"

run() { "${AS[@]}" "$@"; }
psql_() { run "$PGBIN/psql" -h "$SOCK" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

case "${1:-start}" in
start)
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        echo "==> creating the local PostgreSQL $PGV cluster in $BASE"
        mkdir -p "$BASE"
        if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$BASE"; fi
        run mkdir -p "$DATA" "$SOCK"
        run "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        cat <<CONF | run tee -a "$DATA/postgresql.conf" >/dev/null
# girrepo: socket-only, project-local
listen_addresses = ''
port = $PORT
unix_socket_directories = '$SOCK'
synchronous_commit = off
shared_buffers = 256MB
work_mem = 32MB
max_connections = 200
CONF
    fi
    if ! run "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        echo "==> starting the local PostgreSQL cluster"
        run "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
    fi
    if [[ "$(psql_ -c "select 1 from pg_roles where rolname='girrepo'")" != "1" ]]; then
        psql_ -c "create role girrepo login superuser"
    fi
    if [[ "$(psql_ -c "select 1 from pg_database where datname='girrepo'")" != "1" ]]; then
        psql_ -c "create database girrepo owner girrepo"
    fi
    psql_ -d girrepo -c "create extension if not exists postgis; create extension if not exists pg_trgm"
    URL="postgis://girrepo@$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$SOCK"):$PORT/girrepo"
    touch .env
    grep -vE '^(DATABASE_URL|GIRREPO_LOCAL_PG)=' .env > .env.tmp || true
    printf 'DATABASE_URL=%s\nGIRREPO_LOCAL_PG=1\n' "$URL" >> .env.tmp
    mv .env.tmp .env
    ;;
stop)
    if [[ -f "$DATA/PG_VERSION" ]] && run "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        run "$PGBIN/pg_ctl" -D "$DATA" -w stop -m fast
    else
        echo "the local PostgreSQL cluster is not running"
    fi
    ;;
status)
    run "$PGBIN/pg_ctl" -D "$DATA" status
    ;;
*)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
