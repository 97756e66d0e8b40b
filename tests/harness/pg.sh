#!/usr/bin/env bash
# DESIGN: a throwaway PostgreSQL cluster for tests, on a free loopback port.
#   pg.sh start DIR   stop any cluster left in DIR, wipe DIR, initdb DIR/data, start it on
#                     127.0.0.1:<free port> (unix socket in DIR/sock), then write a libpq URL
#                     postgresql://postgres@127.0.0.1:PORT/postgres to DIR/dsn.
#   pg.sh stop DIR    stop the cluster and remove DIR.
# Quiet on success; on failure it says what failed and prints the server log. As root (CI) the
# server runs as the `postgres` user (PostgreSQL refuses to run as root); otherwise as the
# current user. The superuser is always called `postgres`. Registered in tests/CMakeLists.txt
# as the ctest fixture `postgres`; tests find the DSN through PARLEY_TEST_PG_DSN_FILE.
set -euo pipefail

PG_BIN=${PARLEY_PG_BIN:-/usr/lib/postgresql/15/bin}

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

usage() { die "usage: pg.sh start|stop DIR"; }

[[ $# -eq 2 ]] || usage
command=$1
dir=$(realpath -m -- "$2")
[[ -n "$dir" && "$dir" != "/" ]] || die "refusing to use '$2' as the cluster directory"

if [[ $(id -u) -eq 0 ]]; then
  getent passwd postgres >/dev/null || die "running as root but there is no 'postgres' user (install the postgresql package)"
  as_pg() { runuser -u postgres -- "$@"; }
  pg_owner=postgres
else
  as_pg() { "$@"; }
  pg_owner=$(id -un)
fi

[[ -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/initdb" ]] || die "PostgreSQL server binaries not found in $PG_BIN (set PARLEY_PG_BIN or install postgresql-15)"

# Stops the cluster in $dir/data if one runs; never touches any other server.
stop_cluster() {
  local data="$dir/data"
  [[ -f "$data/postmaster.pid" ]] || return 0
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1; then
    # pg_ctl could not stop it (e.g. a broken data dir): stop the postmaster recorded there.
    local pid
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && return 0
  fi
  # Fallback: a random high port nobody answers on.
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# PostgreSQL (running as $pg_owner) must be able to reach $dir through its parents.
check_traversable() {
  local p
  p=$(dirname -- "$dir")
  while [[ "$p" != "/" ]]; do
    if ! as_pg test -x "$p"; then
      rm -rf -- "$dir"
      die "the user '$pg_owner' cannot enter $p (needed for $dir); use a directory under /tmp or chmod o+x $p"
    fi
    p=$(dirname -- "$p")
  done
}

start() {
  stop_cluster
  rm -rf -- "$dir"
  mkdir -p -- "$dir"
  check_traversable
  mkdir -p -- "$dir/sock"
  chmod 0755 "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir" "$dir/sock"

  if ! as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed in $dir/data"
  fi
  chmod 0700 "$dir/data"

  local port attempt
  for attempt in 1 2 3; do
    port=$(free_port) || die "no free loopback port found"
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" \
        start >"$dir/pg_ctl.log" 2>&1; then
      printf 'postgresql://postgres@127.0.0.1:%s/postgres\n' "$port" >"$dir/dsn.tmp"
      mv -f -- "$dir/dsn.tmp" "$dir/dsn"
      return 0
    fi
    # Most likely someone took the port between probing and binding: try another one.
    stop_cluster
  done
  {
    echo "--- pg_ctl output"
    cat "$dir/pg_ctl.log" 2>/dev/null || true
    echo "--- server log (tail)"
    tail -n 40 "$dir/server.log" 2>/dev/null || true
  } >&2
  die "PostgreSQL did not start in $dir/data (last port tried: $port)"
}

stop() {
  stop_cluster
  rm -rf -- "$dir"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
