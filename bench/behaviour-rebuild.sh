#!/usr/bin/env bash
# Behaviour rebuild bench: N synthetic events (default 10,000,000) written straight into a private PostgreSQL (COPY),
# then the Behaviour model's start-up timed in separate processes: a first start (no snapshot: read every event, fold,
# publish neighbours, then store the snapshot) and a restart (load the snapshot and the events received since).
# Usage: bench/behaviour-rebuild.sh [--events N] [--users N]; BEHAVIOUR_SKIP_GENERATE=1 to re-time on the same events;
# BEHAVIOUR_RESTART_ONLY=1 to time only the restart (needs the snapshot of an earlier run)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source=../scripts/pg.sh
source "$root/scripts/pg.sh"
dir=$root/.pg/bench
pg_start "$dir" --fast
trap 'pg_stop "$dir" >/dev/null 2>&1 || true' EXIT
export PGPASSWORD=$PG_PASSWORD
psql=$PG_BIN/psql
[ "$("$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -XtAc "select 1 from pg_database where datname = 'bench_behaviour'")" = 1 ] ||
  "$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Xq -c 'create database bench_behaviour'
db="$PG_CONN;Database=bench_behaviour;Command Timeout=0"
dotnet build bench/SegmentService.Bench -c Release -v q -nologo >/dev/null
bin=bench/SegmentService.Bench/bin/Release/net10.0/SegmentService.Bench
# BEHAVIOUR_SKIP_GENERATE=1 re-times the rebuild on the events of the last run.
[ "${BEHAVIOUR_SKIP_GENERATE:-0}" = 1 ] || "$bin" behaviour-generate --db "$db" "$@"
[ "${BEHAVIOUR_RESTART_ONLY:-0}" = 1 ] || "$bin" behaviour-rebuild --db "$db" --from events
# the restart, then the snapshot stored again (what every SnapshotInterval costs)
"$bin" behaviour-rebuild --db "$db" --from snapshot --write true
