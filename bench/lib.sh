# Shared by the HTTP benchmarks (source it after scripts/pg.sh and pg_start): start the Release service on a private
# cluster, summarise wrk output, and measure CPU per request of the service and of PostgreSQL.
# shellcheck shell=bash

# bench_start_service URL LOG [NAME=VALUE ...]: builds nothing; starts the built Release service with Production
# settings, the bench keys ($key, $admin), request logging at Warning and any extra settings, sets $server to its pid
# and waits for /health/ready (BENCH_READY_SECONDS, 60 by default).
bench_start_service() {
  local url=$1 log=$2
  shift 2
  env ASPNETCORE_ENVIRONMENT=Production \
    ConnectionStrings__Postgres="$PG_CONN" \
    Auth__StorefrontKeys__0="$key" Auth__AdminKeys__0="$admin" \
    Serilog__MinimumLevel__Default=Warning \
    "$@" \
    dotnet src/SegmentService.Api/bin/Release/net10.0/SegmentService.Api.dll --urls "$url" >"$log" 2>&1 &
  server=$!
  local _
  for _ in $(seq 1 "${BENCH_READY_SECONDS:-60}"); do
    if curl -fsS "$url/health/ready" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "service did not become ready; log: $log" >&2
  cat "$log" >&2
  return 1
}

# Prints "<req/s> <p50 ms> <p99 ms> <non-2xx>" from wrk --latency output, and passes a Lua script's
# "... statuses {...}" report through on stderr.
bench_summarise() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    /^[a-z]+ statuses/ { print > "/dev/stderr" }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }'
}

# Prints "<service s> <postgres s>": CPU seconds used so far by $server and by the cluster's PostgreSQL (the
# postmaster, its exited children's time and its live children's), so a phase's cost per request holds whatever else
# the shared machine is doing.
bench_cpu() {
  local tck postmaster pg pid
  tck=$(getconf CLK_TCK)
  postmaster=$(sed -n 1p "$PG_DATA/postmaster.pid")
  pg=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat")
  for pid in $(ps -o pid= --ppid "$postmaster"); do
    pg=$(( pg + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  awk -v s="$(awk '{ print $14 + $15 }' "/proc/$server/stat")" -v p="$pg" -v t="$tck" 'BEGIN { printf "%.2f %.2f\n", s / t, p / t }'
}

# bench_per_request BEFORE AFTER REQUESTS: prints "<service µs> <postgres µs>" of CPU per request between two bench_cpu readings.
bench_per_request() {
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f %.0f\n", (y[1] - x[1]) * 1e6 / n, (y[2] - x[2]) * 1e6 / n }'
}
