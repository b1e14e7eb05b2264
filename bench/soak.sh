#!/usr/bin/env bash
# Soak: resident memory of the service under steady mixed load (events, recommendations, click and purchase feedback,
# segmentation runs), sampled from /proc/PID/status (VmRSS) every 2 s into a CSV with the impression buffer depths from
# /metrics. Starts a private PostgreSQL (durable settings) and the Release service (Production settings), builds a shop
# state over HTTP (bench/feedback/setup.py: 3,000 items, 5,000 users, one segmentation run), runs bench/soak/load.py,
# then prints start, peak and end RSS and whether it stayed within the stated bound.
#
#   bench/soak.sh             10 minutes; one more segmentation run at half time. Bound: after a 2-minute warm-up (one
#                             reward window of 1 min filled and settled), the peak of the second half is at most 1.15×
#                             the peak of minutes 2-3 ("flat").
#   bench/soak.sh --outage    2 minutes: 40 s of load, PostgreSQL stopped for 40 s while the load goes on, restarted,
#                             40 s more. Policy:RewardWindow is 30 s (so the open impressions reach their steady state
#                             before the outage) and Policy:MaxBufferedImpressions 1,000 (so the buffer's bound is
#                             reached and shedding shows). Bound: the peak during the outage is at most 1.25× the peak
#                             before it and at most 1.05× the peak of the outage's first half (flat while it lasts),
#                             the buffer stays within its bound and is empty again within 15 s of the restart.
#
# Options: --seconds N (override the length), --csv FILE (default /tmp/soak-<mode>-<pid>.csv).
# Load: 4 workers × 10 rounds/s (each round: 20 events, one recommendation of 10 items, feedback for 35 % of answers
# and a late click for 10 % of rounds): ≈800 events/s and ≈40 recommendations/s. Needs python3 and curl.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
source "$root/scripts/pg.sh"
source "$root/bench/lib.sh"

mode=soak seconds=600 csv=""
while [ $# -gt 0 ]; do
  case $1 in
    --outage) mode=outage seconds=120 ;;
    --seconds) seconds=${2:?}; shift ;;
    --csv) csv=${2:?}; shift ;;
    *) echo "usage: bench/soak.sh [--outage] [--seconds N] [--csv FILE]" >&2; exit 2 ;;
  esac
  shift
done
csv=${csv:-/tmp/soak-$mode-$$.csv}
dir=$root/.pg/soak-$$
work=$dir-work
key=bench-storefront-key-0001
admin=bench-admin-key-00000001
buffered=100000 window=00:01:00
# The outage variant is short: a 30 s window fills and settles before the outage, and the buffer's bound is reached in it.
if [ "$mode" = outage ]; then buffered=1000 window=00:00:30; fi
trap 'for p in ${sampler:-} ${loader:-}; do kill "$p" 2>/dev/null || true; done; if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; pg_destroy "$dir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
pg_start "$dir"
mkdir -p "$work"
port=$(pg_free_port)
url=http://127.0.0.1:$port

dotnet build src/SegmentService.Api -c Release -v q -nologo >/dev/null
BENCH_READY_SECONDS=90 bench_start_service "$url" "$dir.log" Policy__RewardWindow="$window" Policy__MaxBufferedImpressions="$buffered"
python3 bench/feedback/setup.py "$url" "$key" "$admin" --items 3000 --users 5000 --events 8

# One CSV line every 2 s: seconds since the load started, phase, VmRSS (kB), impressions waiting to be written, open impressions.
echo load >"$work/phase"
start=$(date +%s.%N)
(
  echo "seconds,phase,rss_kb,impressions_buffered,impressions_open"
  while kill -0 "$server" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server/status")
    depth=$(curl -s -m 2 -H "X-Api-Key: $admin" "$url/metrics" | awk '
      /^segmentservice_buffer_depth\{buffer="impressions"\}/ { b = $2 }
      /^segmentservice_buffer_depth\{buffer="open_impressions"\}/ { o = $2 }
      END { printf "%s,%s", (b == "" ? "" : b), (o == "" ? "" : o) }')
    printf '%.0f,%s,%s,%s\n' "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$(cat "$work/phase")" "$rss" "$depth"
    sleep 2
  done
) >"$csv" &
sampler=$!

python3 bench/soak/load.py "$url" "$key" "$seconds" --workers 4 --rounds-per-second 10 >"$work/load.json" &
loader=$!

# Prints the CSV's rows of one time range and phase pattern as "peak median" RSS (MB).
rss_of() {
  awk -F, -v from="$1" -v to="$2" -v phase="$3" 'NR > 1 && $1 >= from && $1 <= to && $2 ~ phase && $3 != "" { print $3 / 1024 }' "$csv" |
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a n/a"; exit } printf "%.0f %.0f\n", v[NR], v[int((NR + 1) / 2)] }'
}

if [ "$mode" = outage ]; then
  third=$(( seconds / 3 ))
  sleep "$third"
  echo outage >"$work/phase"
  pg_stop "$dir"
  echo "soak: PostgreSQL stopped at $(date -u +%T)"
  sleep "$third"
  (
    _pg_locate || exit 1
    data=$(readlink -f "$dir/data"); log=$(readlink -f "$dir/log")
    _pg_as "$(stat -c %U "$data")" "$PG_BIN/pg_ctl" -D "$data" -l "$log/postgres.log" -w -t 60 start >/dev/null
  )
  restarted=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
  echo recovery >"$work/phase"
  echo "soak: PostgreSQL restarted at $(date -u +%T) (${restarted} s into the load)"
else
  sleep $(( seconds / 2 ))
  run=$(curl -fsS -X POST -H "X-Api-Key: $admin" "$url/admin/segmentation/runs" || echo "failed")
  echo "soak: segmentation run at half time: $run"
fi
wait "$loader"
loader=""
sleep 4
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""

echo "load (endpoint status: count): $(cat "$work/load.json")"
echo "impressions dropped: $(curl -s -m 5 -H "X-Api-Key: $admin" "$url/metrics" | awk '/^segmentservice_impressions_dropped_total/ { printf "%s %s  ", $1, $2 }')"
echo "samples: $csv ($(( $(wc -l <"$csv") - 1 )) rows)"
first=$(awk -F, 'NR == 2 { printf "%.0f", $3 / 1024 }' "$csv")
last=$(awk -F, 'NR > 1 && $3 != "" { v = $3 } END { printf "%.0f", v / 1024 }' "$csv")
read -r peak _ < <(rss_of 0 999999 .)
echo "RSS: start ${first} MB, peak ${peak} MB, end ${last} MB"
if [ "$mode" = outage ]; then
  read -r before _ < <(rss_of 0 999999 '^load$')
  read -r during _ < <(rss_of 0 999999 '^outage$')
  read -r early _ < <(rss_of 0 $(( third + third / 2 )) '^outage$')
  read -r after _ < <(rss_of 0 999999 '^recovery$')
  max_buffer=$(awk -F, 'NR > 1 && $2 == "outage" && $4 > m { m = $4 } END { print m + 0 }' "$csv")
  drained=$(awk -F, -v r="$restarted" 'NR > 1 && $2 == "recovery" && $1 >= r && $4 == 0 { print $1 - r; exit }' "$csv")
  echo "peak RSS before the outage ${before} MB, in its first half ${early} MB, in all of it ${during} MB, after it ${after} MB (a young process keeps growing: compare the same age in the 10-minute soak)"
  echo "impression buffer at most ${max_buffer} (bound ${buffered}), empty ${drained:-never} s after the restart"
  if awk -v b="$before" -v e="$early" -v d="$during" 'BEGIN { exit !(d <= 1.25 * b && d <= 1.05 * e) }' &&
    [ "$max_buffer" -le "$buffered" ] && [ -n "$drained" ] && [ "$drained" -le 15 ]; then
    echo "verdict: bounded (outage peak within 1.25× the peak before it and flat, within 1.05×, over its second half; buffer within its bound and drained within 15 s)"
  else
    echo "verdict: NOT bounded (outage peak above 1.25× the peak before it or still rising in its second half, or the buffer not drained within 15 s)"
  fi
else
  read -r warm _ < <(rss_of 120 180 .)
  read -r late _ < <(rss_of $(( seconds / 2 )) 999999 .)
  echo "peak RSS in minutes 2-3: ${warm} MB; peak in the second half: ${late} MB"
  if awk -v w="$warm" -v l="$late" 'BEGIN { exit !(l <= 1.15 * w) }'; then
    echo "verdict: flat (second-half peak within 1.15× the peak of minutes 2-3)"
  else
    echo "verdict: NOT flat (second-half peak above 1.15× the peak of minutes 2-3)"
  fi
fi
