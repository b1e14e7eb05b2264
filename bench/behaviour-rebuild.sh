#!/usr/bin/env bash
# Behaviour rebuild bench: N synthetic events (default 10,000,000) written straight into a private PostgreSQL (COPY),
# then the start-up rebuild of the Behaviour model (read, fold, publish neighbours) timed in a separate process.
# Usage: bench/behaviour-rebuild.sh [--events N] [--users N]; BEHAVIOUR_SKIP_GENERATE=1 to re-time on the same events
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
"$bin" behaviour-rebuild --db "$db"
