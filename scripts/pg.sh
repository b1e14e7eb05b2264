#!/usr/bin/env bash
# Private PostgreSQL clusters for development and tests. Source this file:
#
#   source scripts/pg.sh
#   pg_start .pg/dev          # or: pg_start .pg/test-1 --fast
#   psql "host=127.0.0.1 port=$PG_PORT user=postgres password=$PG_PASSWORD"
#   pg_stop .pg/dev
#
# PG_SHARED_PRELOAD (optional): a shared_preload_libraries value for the start,
# e.g. pg_stat_statements (FEEDBACK_STATEMENTS=1 bash bench/feedback-throughput.sh).
#
# pg_start exports PG_BIN, PG_PORT, PG_PASSWORD, PG_CONN (Npgsql format),
# PG_DATA and PG_STARTED (1 if this call started the server, 0 if it was
# already running), and writes PG_CONN to DIR/conn.
#
# Layout of DIR: data/ log/ password conn, plus the unix socket. When running
# as root and the postgres OS user cannot reach DIR, data/ and log/ are
# symlinks into a /tmp directory.
#
# No `set -euo pipefail` here on purpose: it would leak into an interactive
# shell that sources this file. Functions return non-zero on failure instead,
# which stops callers that use `set -e`.

_pg_say() { printf 'pg: %s\n' "$*" >&2; }

_pg_is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the cluster owner; PostgreSQL refuses to run as root.
_pg_as() {
  local owner=$1
  shift
  if _pg_is_root; then
    (cd / && runuser -u "$owner" -- "$@")
  else
    "$@"
  fi
}

_pg_owner() {
  if _pg_is_root; then echo postgres; else id -un; fi
}

_pg_major() {
  local v
  v=$("$1/pg_ctl" --version | awk '{print $3}') || return 1
  echo "${v%%[^0-9]*}"
}

# Sets PG_BIN without installing anything; returns 1 if nothing was found.
_pg_locate() {
  local d best="" p
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n 1)" = "$d" ]; then
        best=$d
      fi
    fi
  done
  if [ -z "$best" ] && p=$(command -v initdb); then
    # Resolve symlinks such as /usr/local/bin/initdb so psql etc. sit beside it.
    best=$(dirname "$(readlink -f "$p")")
    [ -x "$best/pg_ctl" ] || best=$(dirname "$p")
  fi
  [ -n "$best" ] || return 1
  PG_BIN=$best
  export PG_BIN
}

pg_find_bin() {
  local PATH="$PATH:/usr/sbin:/sbin" # runuser, useradd, service
  _pg_locate && return 0
  if ! _pg_is_root; then
    _pg_say "PostgreSQL server binaries (initdb, pg_ctl) not found."
    _pg_say "Install PostgreSQL (e.g. 'sudo apt-get install postgresql') or put initdb on PATH."
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    _pg_say "PostgreSQL not found and apt-get is unavailable; install PostgreSQL manually."
    return 1
  fi
  _pg_say "PostgreSQL not found; installing it with apt-get..."
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2; then
    _pg_say "apt-get install postgresql failed."
    return 1
  fi
  # The Debian package may start its own cluster on 5432; we only want binaries.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local ver name _rest
    while read -r ver name _rest; do
      pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
    done < <(pg_lsclusters -h 2>/dev/null | awk '$4 == "online"')
  fi
  service postgresql stop >/dev/null 2>&1 || true
  _pg_locate || {
    _pg_say "postgresql installed but initdb/pg_ctl still not found."
    return 1
  }
}

# True when nothing accepts connections on 127.0.0.1:PORT.
pg_port_is_free() {
  local p=$1
  if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
    return 1
  fi
  ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
}

# Prints a free TCP port in 20000-39999, starting at a random point so that
# concurrent runs rarely pick the same one.
pg_free_port() {
  local start=$((RANDOM % 20000)) i p
  for ((i = 0; i < 20000; i++)); do
    p=$((20000 + (start + i) % 20000))
    if pg_port_is_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  _pg_say "no free TCP port found in 20000-39999"
  return 1
}

_pg_conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# Prints the directory that holds data/ and log/ for DIR, creating a /tmp
# fallback when root and the postgres user cannot traverse to DIR.
_pg_base() {
  local dir=$1 base
  if [ -L "$dir/data" ]; then
    base=$(dirname "$(readlink "$dir/data")")
    if [ -d "$base" ]; then
      echo "$base"
      return 0
    fi
    rm -f "$dir/data" "$dir/log"
  fi
  if ! _pg_is_root || [ -e "$dir/data" ] || runuser -u postgres -- test -x "$dir"; then
    echo "$dir"
    return 0
  fi
  base=$(mktemp -d /tmp/segmentservice-pg.XXXXXX) || return 1
  _pg_say "postgres user cannot reach $dir (a parent directory is not traversable);"
  _pg_say "keeping the cluster in $base instead (linked from $dir/data)."
  ln -s "$base/data" "$dir/data"
  ln -s "$base/log" "$dir/log"
  echo "$base"
}

_pg_export() {
  local dir=$1 port=$2
  PG_PORT=$port
  PG_PASSWORD=$(cat "$dir/password")
  PG_CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD"
  export PG_PORT PG_PASSWORD PG_CONN
  (umask 077 && printf '%s\n' "$PG_CONN" >"$dir/conn")
}

# pg_start DIR [--fast]
pg_start() {
  local dir=${1:?usage: pg_start DIR [--fast]} fast=0
  case ${2:-} in
    "") ;;
    --fast) fast=1 ;;
    *) _pg_say "pg_start: unknown option '$2'"; return 1 ;;
  esac
  local PATH="$PATH:/usr/sbin:/sbin"
  pg_find_bin || return 1
  local owner
  owner=$(_pg_owner)
  if _pg_is_root && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres || return 1
  fi
  if _pg_is_root && ! runuser -u postgres -- true; then
    _pg_say "cannot run commands as the postgres user (runuser failed)"
    return 1
  fi

  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd -P) || return 1
  if _pg_is_root; then chmod 755 "$dir"; fi

  local base data log
  base=$(_pg_base "$dir") || return 1
  data=$base/data
  log=$base/log
  PG_DATA=$data
  export PG_DATA

  if [ ! -s "$dir/password" ]; then
    (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/password") || return 1
  fi
  chmod 600 "$dir/password"

  # Already running (another shell, or an earlier run that was not stopped).
  if [ -f "$data/postmaster.pid" ] && _pg_as "$owner" "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    _pg_export "$dir" "$(sed -n 4p "$data/postmaster.pid")"
    PG_STARTED=0
    export PG_STARTED
    _pg_say "reusing running cluster on 127.0.0.1:$PG_PORT ($data)"
    return 0
  fi

  # A leftover from an interrupted initdb is useless; start over.
  if [ -e "$data" ] && [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
  fi

  if [ -f "$data/PG_VERSION" ]; then
    local want have
    want=$(cat "$data/PG_VERSION")
    have=$(_pg_major "$PG_BIN") || return 1
    if [ "$want" != "$have" ]; then
      if [ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ]; then
        PG_BIN=/usr/lib/postgresql/$want/bin
      else
        _pg_say "$data was created by PostgreSQL $want but $PG_BIN is version $have."
        _pg_say "Delete $dir to recreate the cluster."
        return 1
      fi
    fi
  fi

  mkdir -p "$log" || return 1
  if _pg_is_root; then
    chown -R postgres: "$base" || return 1
  fi

  if [ ! -d "$data" ]; then
    local pwfile=$base/.pwfile
    (umask 077 && cp "$dir/password" "$pwfile") || return 1
    if _pg_is_root; then chown postgres: "$pwfile"; fi
    if ! _pg_as "$owner" "$PG_BIN/initdb" -D "$data" --auth=scram-sha-256 --username=postgres \
      --pwfile="$pwfile" --encoding=UTF8 --no-locale >"$log/initdb.log" 2>&1; then
      rm -f "$pwfile"
      _pg_say "initdb failed:"
      tail -n 20 "$log/initdb.log" >&2
      return 1
    fi
    rm -f "$pwfile"
    # Settings that change per start (port, --fast) live in an included file.
    printf "\ninclude_if_exists = 'runtime.conf'\n" >>"$data/postgresql.conf"
  fi

  # Unix socket paths are limited to ~107 bytes.
  local sockdir=$base
  if [ "${#base}" -gt 80 ]; then
    sockdir=$(mktemp -d /tmp/segmentservice-pgsock.XXXXXX) || return 1
    if _pg_is_root; then chown postgres: "$sockdir"; fi
  fi

  local attempt port rc seen=0
  for attempt in 1 2 3; do
    port=$(pg_free_port) || return 1
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = $(_pg_conf_quote "$sockdir")"
      echo "max_connections = 300"
      if [ "$fast" -eq 1 ]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
      if [ -n "${PG_SHARED_PRELOAD:-}" ]; then
        echo "shared_preload_libraries = $(_pg_conf_quote "$PG_SHARED_PRELOAD")"
      fi
    } >"$data/runtime.conf"
    if _pg_is_root; then chown postgres: "$data/runtime.conf"; fi

    seen=0
    if [ -f "$log/postgres.log" ]; then seen=$(wc -l <"$log/postgres.log"); fi
    rc=0
    _pg_as "$owner" "$PG_BIN/pg_ctl" -D "$data" -l "$log/postgres.log" -w \
      -t "${PG_START_TIMEOUT:-60}" start >/dev/null 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
      _pg_export "$dir" "$port"
      PG_STARTED=1
      export PG_STARTED
      _pg_say "started PostgreSQL $(_pg_major "$PG_BIN") on 127.0.0.1:$PG_PORT ($data)"
      return 0
    fi
    # Another process may have taken the port between the check and the bind.
    if tail -n "+$((seen + 1))" "$log/postgres.log" 2>/dev/null | grep -c "Address already in use" >/dev/null; then
      _pg_say "port $port was taken, retrying ($attempt/3)"
      continue
    fi
    break
  done
  _pg_say "pg_ctl start failed (exit $rc); from $log/postgres.log:"
  tail -n "+$((seen + 1))" "$log/postgres.log" 2>/dev/null | tail -n 30 >&2 || true
  if [ "$sockdir" != "$base" ]; then rm -rf "$sockdir"; fi
  return 1
}

# pg_stop DIR: stops the cluster if it is running; never fails.
pg_stop() {
  local dir=${1:?usage: pg_stop DIR} data owner sockdir
  local PATH="$PATH:/usr/sbin:/sbin"
  data=$dir/data
  [ -f "$data/postmaster.pid" ] || return 0
  if [ -z "${PG_BIN:-}" ]; then _pg_locate || return 0; fi
  data=$(readlink -f "$data")
  owner=$(stat -c %U "$data" 2>/dev/null) || owner=$(_pg_owner)
  sockdir=$(sed -n 5p "$data/postmaster.pid" 2>/dev/null) || sockdir=""
  if _pg_as "$owner" "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    _pg_as "$owner" "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      _pg_say "pg_ctl stop failed for $data"
  fi
  case $sockdir in
    /tmp/segmentservice-pgsock.*) rm -rf "$sockdir" ;;
  esac
  return 0
}

# pg_destroy DIR: stops the cluster and deletes DIR (and its /tmp fallback).
pg_destroy() {
  local dir=${1:?usage: pg_destroy DIR} target
  pg_stop "$dir"
  if [ -L "$dir/data" ]; then
    target=$(dirname "$(readlink "$dir/data")")
    case $target in
      /tmp/segmentservice-pg.*) rm -rf "$target" ;;
    esac
  fi
  rm -rf "$dir"
  return 0
}
