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
# Needs wrk (Debian: apt-get install wrk) and python3.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
command -v wrk >/dev/null || { echo "recommend-scale: wrk not found (apt-get install wrk)" >&2; exit 1; }
source "$root/scripts/pg.sh"

items=${1:-10000} users=${2:-100000} rounds=${3:-2} seconds=${4:-10} concurrency=${5:-32} open_seconds=${6:-30} warm=${7:-5000}
unknown=0.1
threads=2
dir=$root/.pg/bench-$$
key=bench-storefront-key-0001
admin=bench-admin-key-00000001
trap 'if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; pg_destroy "$dir" >/dev/null 2>&1 || true' EXIT
began=$(date +%s)
echo "recommend-scale: $items items, $users users, $rounds rounds of ${seconds}s at $concurrency connections; $(uptime)"
pg_start "$dir" --fast
port=$(pg_free_port)
url=http://127.0.0.1:$port

dotnet build src/SegmentService.Api -c Release -v q -nologo >/dev/null
dotnet build bench/RecommendLoad -c Release -v q -nologo >/dev/null

ASPNETCORE_ENVIRONMENT=Production \
  ConnectionStrings__Postgres="$PG_CONN" \
  Auth__StorefrontKeys__0=$key Auth__AdminKeys__0=$admin \
  Serilog__MinimumLevel__Default=Warning \
  dotnet src/SegmentService.Api/bin/Release/net10.0/SegmentService.Api.dll --urls "$url" >"$dir.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  if curl -fsS "$url/health/ready" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "$url/health/ready" >/dev/null || { echo "service did not become ready; log: $dir.log" >&2; cat "$dir.log" >&2; exit 1; }

# 6 events per user (80 % in the user's favourite of 30 categories), 6 batches of 1,000 in flight.
python3 bench/feedback/setup.py "$url" "$key" "$admin" --items "$items" --users "$users" --events 6 --workers 6 \
  --warm "$warm" --click-share 0.1
echo "state built in $(( $(date +%s) - began )) s (with the builds); $(uptime)"

# Prints "<req/s> <p50 ms> <p99 ms> <non-2xx>" from wrk --latency output (and passes the Lua report through on stderr).
summarise() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    /^recommend statuses/ { print > "/dev/stderr" }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }'
}
health() { wrk -t$threads -c"$concurrency" -d"$1s" --latency "$url/health/live" | summarise; }
recommend() { wrk -t$threads -c"$concurrency" -d"$1s" --latency -s bench/recommend-scale/recommend.lua "$url" -- "$key" "$users" "$unknown" | summarise; }
# CPU seconds used so far by the service and by the cluster's PostgreSQL processes (postmaster and its children):
# per request, this is what a phase costs whatever else the shared machine is doing.
postmaster=$(sed -n 1p "$PG_DATA/postmaster.pid")
cpu() {
  local tck; tck=$(getconf CLK_TCK)
  # The postmaster's own time plus its waited-for children's (cutime, cstime: backends that have exited), plus the
  # time of the children alive now.
  local pg pid
  pg=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat")
  for pid in $(ps -o pid= --ppid "$postmaster"); do
    pg=$(( pg + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  awk -v s="$(awk '{ print $14 + $15 }' "/proc/$server/stat")" -v p="$pg" -v t="$tck" 'BEGIN { printf "%.2f %.2f\n", s / t, p / t }'
}
# Prints "<service µs> <postgres µs>" of CPU per request between two cpu() readings and a request count.
per_request() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f %.0f\n", (y[1] - x[1]) * 1e6 / n, (y[2] - x[2]) * 1e6 / n }'; }

health 2 >/dev/null
recommend 2 >/dev/null 2>&1
sum_h=0 sum_r=0
for r in $(seq 1 "$rounds"); do
  before=$(cpu)
  read -r h h50 h99 hbad < <(health "$seconds")
  middle=$(cpu)
  read -r c c50 c99 cbad < <(recommend "$seconds")
  after=$(cpu)
  read -r hs hp < <(per_request "$before" "$middle" "$(( h * seconds ))")
  read -r cs cp < <(per_request "$middle" "$after" "$(( c * seconds ))")
  printf 'round %d  GET /health/live  %8d req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  CPU/request: service %d µs, postgres %d µs\n' "$r" "$h" "$h50" "$h99" "$hbad" "$hs" "$hp"
  printf 'round %d  GET /recommend    %8d req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  CPU/request: service %d µs, postgres %d µs\n' "$r" "$c" "$c50" "$c99" "$cbad" "$cs" "$cp"
  sum_h=$(( sum_h + h )) sum_r=$(( sum_r + c ))
done
awk -v h="$sum_h" -v c="$sum_r" -v n="$rounds" -v k="$concurrency" -v i="$items" \
  'BEGIN { printf "mean over %d rounds at %d connections, %d items: /health/live %.0f req/s, /recommend %.0f req/s, ratio %.3f\n", n, k, i, h / n, c / n, c / h }'
uptime

# Half the measured peak (the closed-loop /recommend mean), open loop.
rate=$(( sum_r / rounds / 2 ))
before=$(cpu)
dotnet bench/RecommendLoad/bin/Release/net10.0/RecommendLoad.dll open "$url" "$key" "$rate" "$open_seconds" "$users" "$unknown"
after=$(cpu)
# The open-loop client warms up for 3 s at the same rate before its measured seconds.
read -r os op < <(per_request "$before" "$after" "$(( rate * (open_seconds + 3) ))")
echo "open loop CPU/request: service $os µs, postgres $op µs; $(uptime)"
echo "recommend-scale: total $(( $(date +%s) - began )) s"
