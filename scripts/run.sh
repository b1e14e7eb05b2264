#!/usr/bin/env bash
# Runs the service locally with demo data. Without --db it uses a private
# PostgreSQL cluster in .pg/dev that keeps its data between runs.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/run.sh [--demo] [--db CONNSTRING] [--port N]

  --demo           also run the storefront simulator against the service
                   (src/SegmentService.Simulator --demo: 90 s of shoppers,
                   clicks and purchases, a drift at 60 s); it prints CTR per
                   window and writes artifacts/simulator/simulation.{csv,png}.
                   The service keeps running afterwards for the dashboard.
                   Demo mode shortens the reward window to 20 s so unclicked
                   items are scored within the demo, not after 10 minutes.

  --db CONNSTRING  use an existing PostgreSQL (Npgsql connection string,
                   including Database=...); default: $SEGMENTSERVICE_DB, else
                   a private cluster in .pg/dev
  --port N         HTTP port on 127.0.0.1; default 5080, or a free port if
                   5080 is taken
USAGE
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

db=${SEGMENTSERVICE_DB:-}
port=""
demo=0
while [ $# -gt 0 ]; do
  case $1 in
    --db) db=${2:?--db needs a connection string}; shift 2 ;;
    --db=*) db=${1#*=}; shift ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --port=*) port=${1#*=}; shift ;;
    --demo) demo=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

if ! command -v dotnet >/dev/null 2>&1; then
  echo "run.sh: dotnet not found; install the .NET 10 SDK (https://dot.net/download)." >&2
  exit 1
fi

# shellcheck source=pg.sh
source "$root/scripts/pg.sh"

if [ -z "$port" ]; then
  if pg_port_is_free 5080; then port=5080; else port=$(pg_free_port); fi
elif ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "run.sh: --port must be a number between 1 and 65535" >&2
  exit 2
elif ! pg_port_is_free "$port"; then
  echo "run.sh: port $port is already in use" >&2
  exit 1
fi

if [ -n "$db" ]; then
  conn=$db
  db_note="the database given by --db / SEGMENTSERVICE_DB"
else
  dev=$root/.pg/dev
  # Stop the cluster on exit only if this run started it; keep its data.
  PG_STARTED=0
  trap 'if [ "$PG_STARTED" = 1 ]; then pg_stop "$dev"; fi' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pg_start "$dev"

  psql=$PG_BIN/psql
  if [ ! -x "$psql" ]; then psql=$(command -v psql) || { echo "run.sh: psql not found" >&2; exit 1; }; fi
  export PGPASSWORD=$PG_PASSWORD
  exists=$("$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -XtAc \
    "select 1 from pg_database where datname = 'segmentservice'")
  if [ "$exists" != 1 ]; then
    "$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Xq -c 'create database segmentservice'
    echo "run.sh: created database segmentservice" >&2
  fi
  unset PGPASSWORD
  conn="$PG_CONN;Database=segmentservice"
  db_note="private PostgreSQL on 127.0.0.1:$PG_PORT, data in .pg/dev (connection string in .pg/dev/conn)"
fi

cat <<INFO

  SegmentService  http://127.0.0.1:$port
  Swagger UI      http://127.0.0.1:$port/swagger
  Dashboard       http://127.0.0.1:$port/dashboard  (admin key: dev-admin-key-0000000001)
  API keys        the dev API keys are printed by the service at start (see also README.md)
  Database        $db_note

  Press Ctrl-C to stop.

INFO

export ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__Postgres="$conn" Demo__Seed=true
api=(dotnet run --project src/SegmentService.Api -c Release --no-launch-profile -- --urls "http://127.0.0.1:$port")

if [ "$demo" = 0 ]; then
  "${api[@]}"
  exit $?
fi

# Demo: rewards settle within the demo (see --help), then the simulator drives the running service.
export Policy__RewardWindow=00:00:20 Policy__SweepInterval=00:00:05
echo "run.sh: building the service and the simulator..." >&2
dotnet build src/SegmentService.Api -c Release -v quiet -nologo >/dev/null
dotnet build src/SegmentService.Simulator -c Release -v quiet -nologo >/dev/null
# The built app directly (not dotnet run), so that $! is the service itself and stopping it is one kill.
(cd src/SegmentService.Api && exec dotnet bin/Release/net10.0/SegmentService.Api.dll --urls "http://127.0.0.1:$port") &
api_pid=$!
trap 'kill "$api_pid" 2>/dev/null; wait "$api_pid" 2>/dev/null; if [ "${PG_STARTED:-0}" = 1 ]; then pg_stop "$dev"; fi' EXIT
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$api_pid" 2>/dev/null; then echo "run.sh: the service exited" >&2; exit 1; fi
  sleep 0.5
done
dotnet src/SegmentService.Simulator/bin/Release/net10.0/SegmentService.Simulator.dll --demo \
  --url "http://127.0.0.1:$port" --out "$root/artifacts/simulator" || echo "run.sh: the simulator failed" >&2
echo
echo "  Demo done: open http://127.0.0.1:$port/dashboard (admin key dev-admin-key-0000000001). Ctrl-C stops the service."
wait "$api_pid"
