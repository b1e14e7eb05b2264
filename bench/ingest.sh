#!/usr/bin/env bash
# Ingest bench: the service on loopback over a private PostgreSQL, posting 500-event batches, once with profiles
# updated in the insert statement (the default) and once without (Profiles:Enabled=false), each on a fresh database.
# Usage: bench/ingest.sh [ingest options, e.g. --batches 400 --concurrency 8]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source=../scripts/pg.sh
source "$root/scripts/pg.sh"
dir=$root/.pg/bench
pg_start "$dir" --fast
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  pg_stop "$dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
export PGPASSWORD=$PG_PASSWORD
psql=$PG_BIN/psql
dotnet build src/SegmentService.Api -c Release -v q -nologo >/dev/null
dotnet build bench/SegmentService.Bench -c Release -v q -nologo >/dev/null
port=$(pg_free_port)
key=bench-storefront-key-0001
for profiles in true false; do
  "$psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Xq -c 'drop database if exists bench_ingest with (force)' -c 'create database bench_ingest'
  ASPNETCORE_ENVIRONMENT=Production \
    ConnectionStrings__Postgres="$PG_CONN;Database=bench_ingest" \
    Auth__StorefrontKeys__0=$key Auth__AdminKeys__0=bench-admin-key-00000001 \
    Profiles__Enabled=$profiles Segmentation__ScheduleEnabled=false Serilog__MinimumLevel__Default=Warning \
    dotnet src/SegmentService.Api/bin/Release/net10.0/SegmentService.Api.dll --urls "http://127.0.0.1:$port" >/dev/null &
  api_pid=$!
  for _ in $(seq 1 100); do
    if curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  echo "profiles enabled: $profiles"
  bench/SegmentService.Bench/bin/Release/net10.0/SegmentService.Bench ingest --url "http://127.0.0.1:$port" --key "$key" "$@"
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; api_pid=""
done
