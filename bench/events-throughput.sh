#!/usr/bin/env bash
# Measures POST /events throughput against `psql \copy` of the very same rows into the
# same table, in one run on one private PostgreSQL cluster, and prints both rates and
# their ratio.
#
#   bash bench/events-throughput.sh [--events N] [--batch N] [--concurrency N]
#                                   [--users N] [--items N] [--fast] [--keep]
#
# Steps: build Release; start a cluster in .pg/bench-$$ (deleted on exit unless --keep);
# start the API (Production, random keys) on a free loopback port; wait for
# /health/ready; post the events with bench/EventsLoad, which also writes them as CSV;
# stop the API; TRUNCATE events; time `\copy events FROM` that CSV.
# --fast starts the cluster with fsync and synchronous_commit off (both sides alike).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

events=200000 batch=500 concurrency=8 users=10000 items=2000 fast="" keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --events) events=${2:?}; shift 2 ;;
    --batch) batch=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    --users) users=${2:?}; shift 2 ;;
    --items) items=${2:?}; shift 2 ;;
    --fast) fast=--fast; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "events-throughput.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
# shellcheck source=../scripts/pg.sh
source "$root/scripts/pg.sh"

say() { printf 'bench: %s\n' "$*" >&2; }

dir=$root/.pg/bench-$$
api_pid=""
cleanup() {
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then
    pg_stop "$dir"
    say "kept $dir"
  else
    pg_destroy "$dir" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "building Release"
build_log=$(mktemp)
for project in src/SegmentService.Api/SegmentService.Api.csproj bench/EventsLoad/EventsLoad.csproj; do
  dotnet build "$project" -c Release -nologo -v q >"$build_log" 2>&1 || { cat "$build_log" >&2; rm -f "$build_log"; exit 1; }
done
rm -f "$build_log"
api_dir=$root/src/SegmentService.Api/bin/Release/net10.0
load_dll=$root/bench/EventsLoad/bin/Release/net10.0/EventsLoad.dll

pg_start "$dir" $fast
psql_bin=$PG_BIN/psql
[ -x "$psql_bin" ] || psql_bin=$(command -v psql)
export PGPASSWORD=$PG_PASSWORD # set by pg_start
sql() { "$psql_bin" -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -v ON_ERROR_STOP=1 -q "$@"; }
sql -d postgres -c 'create database segmentservice'

key() { printf '%s-%s' "$1" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"; }
storefront_key=$(key bench-storefront)
admin_key=$(key bench-admin)
port=$(pg_free_port)
url=http://127.0.0.1:$port
api_log=$dir/api.log

say "starting the API on $url (log: $api_log)"
# The content root is the build output, where appsettings.json sits.
(
  cd "$api_dir"
  export ASPNETCORE_ENVIRONMENT=Production
  export ConnectionStrings__Postgres="$PG_CONN;Database=segmentservice"
  export Auth__StorefrontKeys__0="$storefront_key"
  export Auth__AdminKeys__0="$admin_key"
  exec dotnet SegmentService.Api.dll --urls "$url"
) >"$api_log" 2>&1 &
api_pid=$!

for ((i = 0; i < 120; i++)); do
  if curl -fsS -o /dev/null "$url/health/ready" 2>/dev/null; then break; fi
  if ! kill -0 "$api_pid" 2>/dev/null; then
    say "the API exited during start-up:"
    tail -n 30 "$api_log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS -o /dev/null "$url/health/ready" || { say "the API was not ready after 60 s"; tail -n 30 "$api_log" >&2; exit 1; }

csv=$dir/events.csv
sql -d segmentservice -c 'checkpoint'
say "posting $events events, $batch per request, $concurrency clients"
load_out=$dir/load.txt
EVENTS_LOAD_API_KEY=$storefront_key dotnet "$load_dll" --url "$url" --events "$events" --batch "$batch" \
  --concurrency "$concurrency" --users "$users" --items "$items" --csv "$csv" | tee "$load_out"
result=$(grep '^RESULT ' "$load_out")
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
api_rate=$(field events_per_s)

timed=$(sql -d segmentservice -tAc "select count(*) from events where event_id not like '%-warmup-%'")
if [ "$timed" != "$events" ]; then
  say "expected $events stored events, found $timed"
  exit 1
fi

kill "$api_pid"
wait "$api_pid" 2>/dev/null || true
api_pid=""

sql -d segmentservice -c 'truncate events' -c 'checkpoint'
say "\\copy of the same $events rows"
start=$(date +%s%N)
sql -d segmentservice -c "\\copy events (event_id,user_id,type,item_id,occurred_at,received_at,value,quantity,session_id,source) from '$csv' with (format csv, header true)"
end=$(date +%s%N)
copied=$(sql -d segmentservice -tAc 'select count(*) from events')
if [ "$copied" != "$events" ]; then
  say "expected $events copied rows, found $copied"
  exit 1
fi

copy_s=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
copy_rate=$(awk -v n="$events" -v s="$copy_s" 'BEGIN { printf "%.0f", n / s }')
ratio=$(awk -v a="$api_rate" -v c="$copy_rate" 'BEGIN { printf "%.2f", a / c }')

cat <<RESULT

POST /events   $api_rate events/s  ($(field requests_per_s) requests/s; p50 $(field p50_ms) ms, p95 $(field p95_ms) ms, p99 $(field p99_ms) ms)
psql \\copy     $copy_rate events/s  ($events rows in $copy_s s)
ratio          $ratio  (POST /events ÷ \\copy; target ≥ 0.5)
setup          $events events, batch $batch, concurrency $concurrency, PostgreSQL $(_pg_major "$PG_BIN")${fast:+ (fsync off)}, $(nproc) cores
RESULT
