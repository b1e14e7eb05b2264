#!/usr/bin/env bash
# Replays UCI Online Retail (../shared/data/online-retail, SOURCE.md's split) through the service's HTTP API and
# prints HitRate@10 / Recall@10 for the service and the offline baselines on the same invoices.
# Starts a throwaway PostgreSQL and the service (Release, Production settings), and tears everything down.
# Usage: bench/retail-replay.sh [--closing-windows] [--data PATH] [--limit N] [--tune | --service-only]   (the rest go to bench/RetailReplay)
#   --closing-windows: 2 s reward windows settled 1 s after they close, so outcomes settle while the replay runs, as a
#   live shop's 10-minute windows do over months (the default windows never close within the replay's minute or two).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
source "$root/scripts/pg.sh"

windows=()
if [ "${1:-}" = "--closing-windows" ]; then
  windows=(Policy__RewardWindow=00:00:02 Policy__SettleDelay=00:00:01)
  shift
fi

dir=$root/.pg/bench-$$
key=bench-storefront-key-0001
admin=bench-admin-key-00000001
trap 'if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; pg_destroy "$dir" >/dev/null 2>&1 || true' EXIT
pg_start "$dir" --fast
port=$(pg_free_port)

dotnet build src/SegmentService.Api -c Release -v q -nologo >/dev/null
dotnet build bench/RetailReplay -c Release -v q -nologo >/dev/null

# The invoices are from 2011: the feature window must reach back that far or the segmentation run finds no active users.
env "${windows[@]}" ASPNETCORE_ENVIRONMENT=Production \
  Segmentation__FeatureWindow="${RETAIL_FEATURE_WINDOW:-7300.00:00:00}" \
  ConnectionStrings__Postgres="$PG_CONN" \
  Auth__StorefrontKeys__0=$key Auth__AdminKeys__0=$admin \
  Serilog__MinimumLevel__Default=Warning \
  dotnet src/SegmentService.Api/bin/Release/net10.0/SegmentService.Api.dll --urls "http://127.0.0.1:$port" >"$dir.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "service did not become ready; log: $dir.log" >&2; cat "$dir.log" >&2; exit 1; }

dotnet bench/RetailReplay/bin/Release/net10.0/RetailReplay.dll --data "${RETAIL_DATA:-$root/../shared/data/online-retail/online_retail_2010-12_2011-08.csv.gz}" \
  --url "http://127.0.0.1:$port" --key "$key" --admin-key "$admin" "$@"
