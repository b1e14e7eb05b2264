#!/usr/bin/env bash
# Measures GET /recommend next to GET /health/live on the same server in the same run, at a realistic state and a
# large catalogue (issue 8 §5: at 10,000 items ≥ 0.5 × /health/live, at 100,000 items ≥ 0.3 ×, p99 ≤ 10 ms at half
# the peak rate). Starts a throwaway PostgreSQL (--fast) and the service (Release, Production settings, request logging
# at Warning), builds the state over HTTP only (bench/feedback/setup.py: the catalogue, a behaviour history for every
# user, one segmentation run, then a policy warmed by recommendations and clicks), alternates wrk rounds of
# /health/live and of /recommend for varying users (bench/recommend-scale/recommend.lua: a tenth unknown ids), and
# finally sends /recommend open-loop at half the measured peak rate (bench/RecommendLoad open: constant arrival rate,
# latency from the scheduled send time). Prints service and PostgreSQL CPU per request for every measured phase.
# Usage: bench/recommend-scale.sh [items=10000] [users=100000] [rounds=2] [seconds per round=10] [concurrency=32]
#        [open-loop seconds=30] [warm-up recommendations=5000]
# RECOMMEND_SCALE_SETTINGS="Name=Value ..." passes settings to the service, e.g. smaller candidate lists
# ("Recommend__ShortlistSize=40 Recommend__UserCandidates=15") or runtime knobs ("DOTNET_GCgen0size=0x2000000").
# Needs wrk (Debian: apt-get install wrk) and python3.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
command -v wrk >/dev/null || { echo "recommend-scale: wrk not found (apt-get install wrk)" >&2; exit 1; }
source "$root/scripts/pg.sh"
source "$root/bench/lib.sh"

items=${1:-10000} users=${2:-100000} rounds=${3:-2} seconds=${4:-10} concurrency=${5:-32} open_seconds=${6:-30} warm=${7:-5000}
unknown=0.1
threads=2
dir=$root/.pg/bench-$$
key=bench-storefront-key-0001
admin=bench-admin-key-00000001
trap 'if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; pg_destroy "$dir" >/dev/null 2>&1 || true' EXIT
began=$(date +%s)
echo "recommend-scale: $items items, $users users, $rounds rounds of ${seconds}s at $concurrency connections${RECOMMEND_SCALE_SETTINGS:+, settings: $RECOMMEND_SCALE_SETTINGS}; $(uptime)"
pg_start "$dir" --fast
port=$(pg_free_port)
url=http://127.0.0.1:$port

dotnet build src/SegmentService.Api -c Release -v q -nologo >/dev/null
dotnet build bench/RecommendLoad -c Release -v q -nologo >/dev/null

# shellcheck disable=SC2086 # one word per setting
bench_start_service "$url" "$dir.log" ${RECOMMEND_SCALE_SETTINGS:-}

# 6 events per user (80 % in the user's favourite of 30 categories), 6 batches of 1,000 in flight.
python3 bench/feedback/setup.py "$url" "$key" "$admin" --items "$items" --users "$users" --events 6 --workers 6 \
  --warm "$warm" --click-share 0.1
echo "state built in $(( $(date +%s) - began )) s (with the builds); $(uptime)"

health() { wrk -t$threads -c"$concurrency" -d"$1s" --latency "$url/health/live" | bench_summarise; }
recommend() { wrk -t$threads -c"$concurrency" -d"$1s" --latency -s bench/recommend-scale/recommend.lua "$url" -- "$key" "$users" "$unknown" | bench_summarise; }

health 2 >/dev/null
recommend 2 >/dev/null 2>&1
sum_h=0 sum_r=0
for r in $(seq 1 "$rounds"); do
  before=$(bench_cpu)
  read -r h h50 h99 hbad < <(health "$seconds")
  middle=$(bench_cpu)
  read -r c c50 c99 cbad < <(recommend "$seconds")
  after=$(bench_cpu)
  read -r hs hp < <(bench_per_request "$before" "$middle" "$(( h * seconds ))")
  read -r cs cp < <(bench_per_request "$middle" "$after" "$(( c * seconds ))")
  printf 'round %d  GET /health/live  %8d req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  CPU/request: service %d µs, postgres %d µs\n' "$r" "$h" "$h50" "$h99" "$hbad" "$hs" "$hp"
  printf 'round %d  GET /recommend    %8d req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  CPU/request: service %d µs, postgres %d µs\n' "$r" "$c" "$c50" "$c99" "$cbad" "$cs" "$cp"
  sum_h=$(( sum_h + h )) sum_r=$(( sum_r + c ))
done
awk -v h="$sum_h" -v c="$sum_r" -v n="$rounds" -v k="$concurrency" -v i="$items" \
  'BEGIN { printf "mean over %d rounds at %d connections, %d items: /health/live %.0f req/s, /recommend %.0f req/s, ratio %.3f\n", n, k, i, h / n, c / n, c / h }'
uptime

# Half the measured peak (the closed-loop /recommend mean), open loop.
rate=$(( sum_r / rounds / 2 ))
before=$(bench_cpu)
dotnet bench/RecommendLoad/bin/Release/net10.0/RecommendLoad.dll open "$url" "$key" "$rate" "$open_seconds" "$users" "$unknown"
after=$(bench_cpu)
# The open-loop client warms up for 3 s at the same rate before its measured seconds.
read -r os op < <(bench_per_request "$before" "$after" "$(( rate * (open_seconds + 3) ))")
echo "open loop CPU/request: service $os µs, postgres $op µs; $(uptime)"
echo "recommend-scale: total $(( $(date +%s) - began )) s"
