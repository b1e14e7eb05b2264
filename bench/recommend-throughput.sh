#!/usr/bin/env bash
# Measures GET /recommend throughput next to GET /health/live on the same server in the same run.
# Starts a throwaway PostgreSQL and the service (Release, Production settings, request logging at Warning),
# loads a catalogue, runs bench/RecommendLoad, and tears everything down.
# Usage: bench/recommend-throughput.sh [concurrency=32] [seconds per round=10] [rounds=2] [items=500]
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
source "$root/scripts/pg.sh"

dir=$root/.pg/bench-$$
key=bench-storefront-key-0001
trap 'if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; pg_destroy "$dir" >/dev/null 2>&1 || true' EXIT
pg_start "$dir" --fast
port=$(pg_free_port)

dotnet build src/SegmentService.Api -c Release -v q -nologo >/dev/null
dotnet build bench/RecommendLoad -c Release -v q -nologo >/dev/null

ASPNETCORE_ENVIRONMENT=Production \
  ConnectionStrings__Postgres="$PG_CONN" \
  Auth__StorefrontKeys__0=$key Auth__AdminKeys__0=bench-admin-key-00000001 \
  Serilog__MinimumLevel__Default=Warning \
  dotnet src/SegmentService.Api/bin/Release/net10.0/SegmentService.Api.dll --urls "http://127.0.0.1:$port" >"$dir.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "service did not become ready; log: $dir.log" >&2; cat "$dir.log" >&2; exit 1; }

dotnet bench/RecommendLoad/bin/Release/net10.0/RecommendLoad.dll "http://127.0.0.1:$port" "$key" "${1:-32}" "${2:-10}" "${3:-2}" "${4:-500}"
