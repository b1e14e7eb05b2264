#!/usr/bin/env bash
# Runs the whole test suite against a throwaway PostgreSQL cluster and ends
# with one line: "N passed, N failed[, N skipped]".
# Usage: scripts/test.sh [extra `dotnet test` arguments]
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: dotnet not found; install the .NET 10 SDK (https://dot.net/download)." >&2
  exit 1
fi

solution=SegmentService.sln
if [ ! -f "$solution" ] && [ -f SegmentService.slnx ]; then solution=SegmentService.slnx; fi
if [ ! -f "$solution" ]; then
  echo "test.sh: $root/SegmentService.sln not found." >&2
  exit 1
fi

# shellcheck source=pg.sh
source "$root/scripts/pg.sh"

dir=$root/.pg/test-$$
results=$dir/results

trap 'pg_destroy "$dir" >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=tools.sh
source "$root/scripts/tools.sh"
tools_chromium
tools_redocly "$root"
export SEGMENTSERVICE_ARTIFACTS=${SEGMENTSERVICE_ARTIFACTS:-$root/artifacts}

pg_destroy "$dir"
pg_start "$dir" --fast
export SEGMENTSERVICE_TEST_POSTGRES="$PG_CONN"
mkdir -p "$results"

rc=0
dotnet test "$solution" -c Release --logger "trx;LogFilePrefix=r" --results-directory "$results" "$@" || rc=$?

# Value of attribute $1 in the element text $2 (0 when absent).
attr() {
  local v
  v=$(sed -n "s/.*[[:space:]]$1=\"\([0-9][0-9]*\)\".*/\1/p" <<<"$2")
  echo "${v:-0}"
}

files=0 total=0 passed=0 failed=0 skipped=0
while IFS= read -r -d '' trx; do
  files=$((files + 1))
  counters=$(tr '\n' ' ' <"$trx" | grep -o '<Counters [^>]*>' || true)
  counters=${counters%%$'\n'*}
  if [ -z "$counters" ]; then
    echo "test.sh: no <Counters> element in $trx" >&2
    continue
  fi
  total=$((total + $(attr total "$counters")))
  passed=$((passed + $(attr passed "$counters")))
  # xunit skips are NotExecuted results, but VSTest leaves the notExecuted
  # counter at 0 and only lowers executed; take whichever is larger.
  notrun=$(($(attr total "$counters") - $(attr executed "$counters")))
  if [ "$(attr notExecuted "$counters")" -gt "$notrun" ]; then notrun=$(attr notExecuted "$counters"); fi
  skipped=$((skipped + notrun))
  # Errors, timeouts and aborts count as failures.
  for a in failed error timeout aborted; do
    failed=$((failed + $(attr "$a" "$counters")))
  done
done < <(find "$results" -name '*.trx' -print0)

status=0
if [ "$files" -eq 0 ]; then
  echo "test.sh: no .trx results in $results (did the build fail or were no test projects found?)" >&2
  status=1
elif [ "$total" -eq 0 ]; then
  echo "test.sh: the .trx results contain zero tests" >&2
  status=1
fi
if [ "$failed" -gt 0 ]; then
  status=1
elif [ "$rc" -ne 0 ]; then
  echo "test.sh: dotnet test exited with code $rc" >&2
  status=1
fi

summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then summary+=", $skipped skipped"; fi
echo "$summary"
exit "$status"
