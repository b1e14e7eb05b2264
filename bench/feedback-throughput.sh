#!/usr/bin/env bash
# Measures POST /feedback/click next to GET /health/live on the same server in the same run, with wrk.
# Starts a throwaway PostgreSQL and the service (Release, Production settings, request logging at Warning), builds a
# shop state over HTTP (bench/feedback/setup.py: catalogue, behaviour history, one segmentation run), issues
# recommendations with wrk for a while (bench/feedback/recommend.lua records every (recommendationId, itemId) served),
# then alternates rounds of /health/live and of clicks on those pairs (bench/feedback/click.lua: each pair once, in a
# shuffled order), and tears everything down. Uses only the HTTP contract of API.md.
# Usage: bench/feedback-throughput.sh [concurrency=32] [seconds per round=10] [rounds=2] [items=3000] [users=20000]
#        [click bodies=200000] [at most seconds of recommendations=120]
# Recommendations (10 items each) are issued until there are that many distinct (recommendationId, itemId) pairs or the
# time is up; a click round that runs out of pairs starts its slice again (repeats: 200 "applied": false) and says so.
# FEEDBACK_SETTINGS="Name=Value ..." passes settings to the service (e.g. Policy__FeedbackEventsLinger=00:00:00.25).
# FEEDBACK_STATEMENTS=1: loads pg_stat_statements and prints, after each click round (its behaviour events included), the
# statements that took the most of PostgreSQL's time, in µs per click (execution time only, summed over backends).
# Needs wrk (Debian: apt-get install wrk) and python3.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
command -v wrk >/dev/null || { echo "feedback-throughput: wrk not found (apt-get install wrk)" >&2; exit 1; }
source "$root/scripts/pg.sh"
source "$root/bench/lib.sh"

concurrency=${1:-32} seconds=${2:-10} rounds=${3:-2} items=${4:-3000} users=${5:-20000} bodies=${6:-200000} rec_seconds=${7:-120}
threads=2
dir=$root/.pg/bench-$$
work=$dir-work
key=bench-storefront-key-0001
admin=bench-admin-key-00000001
trap 'if [ -n "${loader:-}" ]; then kill "$loader" 2>/dev/null || true; fi; if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; pg_destroy "$dir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
statements=${FEEDBACK_STATEMENTS:-0}
if [ "$statements" = 1 ]; then export PG_SHARED_PRELOAD=pg_stat_statements; fi
pg_start "$dir" --fast
sql() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -X -v ON_ERROR_STOP=1 -q "$@"; }
export PGPASSWORD=$PG_PASSWORD
mkdir -p "$work"
port=$(pg_free_port)
url=http://127.0.0.1:$port

dotnet build src/SegmentService.Api -c Release -v q -nologo >/dev/null

bench_start_service "$url" "$dir.log" ${FEEDBACK_SETTINGS:-}

python3 bench/feedback/setup.py "$url" "$key" "$admin" --items "$items" --users "$users"
if [ "$statements" = 1 ]; then sql -c 'create extension if not exists pg_stat_statements'; fi

# wrk's main thread sleeps the whole duration even when every thread has stopped, so stop it once the bodies are there.
wrk -t$threads -c"$concurrency" -d"${rec_seconds}s" -s bench/feedback/recommend.lua "$url" -- "$key" "$work/served" "$users" 10 "$bodies" $threads >/dev/null &
loader=$!
started=$(date +%s.%N)
while kill -0 "$loader" 2>/dev/null && [ "$(cat "$work"/served.* 2>/dev/null | wc -l)" -lt "$bodies" ]; do sleep 0.5; done
kill "$loader" 2>/dev/null || true
wait "$loader" 2>/dev/null || true
elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
# Only whole lines (a killed writer may leave half a line), in a shuffled but fixed order.
awk '/^\{"recommendationId":"[^"]+","itemId":"[^"]+"\}$/' "$work"/served.* | shuf --random-source=<(yes) >"$work/clicks"
total=$(wc -l <"$work/clicks")
# A small slice warms up; each round gets its own equal slice, so no (recommendation, item) is clicked twice.
warm=$(( total / 50 )) per=$(( (total - total / 50) / rounds ))
head -n "$warm" "$work/clicks" >"$work/clicks.warm"
tail -n +"$(( warm + 1 ))" "$work/clicks" | split -d -a 2 -l "$per" - "$work/clicks."
printf 'recommendations issued first: ≈%d answers with %d (recommendationId, itemId) pairs in %.1f s\n' "$(( total / 10 ))" "$total" "$elapsed"
echo "click bodies: $total (warm-up $warm, $per per round)"

# Prints the seconds until the behaviour events behind the answered clicks are written (the service's feedback_events
# buffer is empty), polling /metrics every 0.2 s for at most 120 s: their cost belongs to the clicks, not to the next round.
drain() {
  local start depth _
  start=$(date +%s.%N)
  for _ in $(seq 1 600); do
    depth=$(curl -fsS -H "X-Api-Key: $admin" "$url/metrics" | awk '/^segmentservice_buffer_depth\{buffer="feedback_events"\}/ { print $2 }')
    if [ "${depth:-1}" = 0 ]; then break; fi
    sleep 0.2
  done
  awk -v a="$start" -v b="$(date +%s.%N)" -v d="${depth:-?}" 'BEGIN { printf "%.1f %s\n", b - a, d }'
}
health() { wrk -t$threads -c"$concurrency" -d"$1s" --latency "$url/health/live" | bench_summarise; }
click() { wrk -t$threads -c"$concurrency" -d"$1s" --latency -s bench/feedback/click.lua "$url" -- "$key" "$2" "$threads" | bench_summarise; }

health 2 >/dev/null
click 2 "$work/clicks.warm" >/dev/null 2>&1
sum_h=0 sum_c=0
for r in $(seq 1 "$rounds"); do
  before=$(bench_cpu)
  read -r h h50 h99 hbad < <(health "$seconds")
  middle=$(bench_cpu)
  if [ "$statements" = 1 ]; then sql -tAc 'select pg_stat_statements_reset()' >/dev/null; fi
  read -r c c50 c99 cbad < <(click "$seconds" "$work/clicks.$(printf %02d $(( r - 1 )))")
  after=$(bench_cpu)
  read -r waited left < <(drain)
  drained=$(bench_cpu)
  read -r hs hp < <(bench_per_request "$before" "$middle" "$(( h * seconds ))")
  read -r cs cp < <(bench_per_request "$middle" "$after" "$(( c * seconds ))")
  read -r ds dp < <(bench_per_request "$middle" "$drained" "$(( c * seconds ))")
  printf 'round %d  GET /health/live      %8d req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  CPU/request: service %d µs, postgres %d µs\n' "$r" "$h" "$h50" "$h99" "$hbad" "$hs" "$hp"
  printf 'round %d  POST /feedback/click  %8d req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  CPU/request: service %d µs, postgres %d µs\n' "$r" "$c" "$c50" "$c99" "$cbad" "$cs" "$cp"
  printf 'round %d    with the behaviour events written behind the answers (%.1f s after the round, %s left): service %d µs, postgres %d µs\n' "$r" "$waited" "$left" "$ds" "$dp"
  if [ "$statements" = 1 ]; then
    echo "round $r    PostgreSQL's busiest statements over the click round and its events, execution µs per click:"
    sql -tA -F ' | ' -c "select round((total_exec_time * 1000 / $(( c * seconds )))::numeric, 1), calls, rows,
        left(regexp_replace(query, '\s+', ' ', 'g'), 90) from pg_stat_statements order by total_exec_time desc limit 5" |
      sed 's/^/            /'
  fi
  sum_h=$(( sum_h + h )) sum_c=$(( sum_c + c ))
done
shed=$(curl -fsS -H "X-Api-Key: $admin" "$url/metrics" | awk '/^segmentservice_feedback_events_shed_total / { print $2 }')
echo "behaviour events of applied clicks shed (queue past Policy:MaxQueuedFeedbackEvents): ${shed:-?}"
awk -v h="$sum_h" -v c="$sum_c" -v n="$rounds" -v k="$concurrency" \
  'BEGIN { printf "mean over %d rounds at %d connections: /health/live %.0f req/s, /feedback/click %.0f req/s, ratio %.3f\n", n, k, h / n, c / n, c / h }'
