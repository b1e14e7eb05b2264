#!/usr/bin/env bash
# Test tools outside .NET, provisioned by scripts/test.sh (sourced, not run). Each exports where it is, or
# says why it is missing; the tests that need it are then skipped with that reason.
#   SEGMENTSERVICE_CHROMIUM  headless Chromium for the dashboard's browser test (Debian's 'chromium')
#   SEGMENTSERVICE_REDOCLY   Redocly CLI for the OpenAPI lint (npm '@redocly/cli', installed into .tools/)

REDOCLY_VERSION=2.77.0

_tools_say() { echo "tools: $*" >&2; }

tools_chromium() {
  if [ -n "${SEGMENTSERVICE_CHROMIUM:-}" ]; then return 0; fi
  local c
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then
      SEGMENTSERVICE_CHROMIUM=$(command -v "$c"); export SEGMENTSERVICE_CHROMIUM; return 0
    fi
  done
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    _tools_say "chromium not found and cannot be installed here (needs root and apt-get); the browser test will be skipped."
    return 0
  fi
  _tools_say "chromium not found; installing Debian's chromium with apt-get..."
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >&2 \
    && command -v chromium >/dev/null 2>&1; then
    SEGMENTSERVICE_CHROMIUM=$(command -v chromium); export SEGMENTSERVICE_CHROMIUM
  else
    _tools_say "apt-get install chromium failed; the browser test will be skipped."
  fi
}

# $1: the repository root.
tools_redocly() {
  if [ -n "${SEGMENTSERVICE_REDOCLY:-}" ]; then return 0; fi
  local prefix=$1/.tools/redocly-$REDOCLY_VERSION
  local bin=$prefix/node_modules/.bin/redocly
  if [ ! -x "$bin" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      _tools_say "npm not found; the OpenAPI lint (@redocly/cli) will be skipped."
      return 0
    fi
    _tools_say "installing @redocly/cli@$REDOCLY_VERSION from npm into ${prefix#"$1"/}..."
    mkdir -p "$prefix"
    if ! timeout 300 npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@redocly/cli@$REDOCLY_VERSION" >&2; then
      _tools_say "npm install @redocly/cli failed (no registry?); the OpenAPI lint will be skipped."
      return 0
    fi
  fi
  SEGMENTSERVICE_REDOCLY=$bin; export SEGMENTSERVICE_REDOCLY
}
