#!/usr/bin/env bash
# Scale bench: 1,000,000 profiles written straight into a private PostgreSQL (COPY), then full segmentation runs
# timed in a separate process (so generation does not count towards peak memory).
# Usage: bench/scale.sh [--users N] [extra scale-run options, e.g. --k 8, --krange 4-12, --runs 2]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
users=1000000
if [ "${1:-}" = "--users" ]; then users=$2; shift 2; fi
# shellcheck source=../scripts/pg.sh
source "$root/scripts/pg.sh"
dir=$root/.pg/bench
pg_start "$dir" --fast
trap 'pg_stop "$dir" >/dev/null 2>&1 || true' EXIT
export PGPASSWORD=$PG_PASSWORD
psql=$PG_BIN/psql
[ "$("$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -XtAc "select 1 from pg_database where datname = 'bench_scale'")" = 1 ] ||
  "$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Xq -c 'create database bench_scale'
db="$PG_CONN;Database=bench_scale;Command Timeout=0"
dotnet build bench/SegmentService.Bench -c Release -v q -nologo >/dev/null
bin=bench/SegmentService.Bench/bin/Release/net10.0/SegmentService.Bench
"$bin" scale-generate --db "$db" --users "$users"
"$bin" scale-run --db "$db" "$@"
