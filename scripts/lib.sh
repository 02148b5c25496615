# What the scripts share: a free local port and a throwaway PostgreSQL cluster.
# Sourced, not run: `. "$(dirname "$0")/lib.sh"`.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
pg_data=""

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# pg_start WORK DATABASE [SERVER OPTIONS]: a cluster of its own under WORK/pg, owned by the
# `postgres` user, on a free port, with DATABASE created. Sets pg_port, pg_dir, pg_data and
# pg_url; pg_stop stops it (call it from the script's EXIT trap).
pg_start() {
  local work=$1 database=$2 options=${3:-}
  pg_port=$(free_port)
  pg_dir="$work/pg"
  mkdir -p "$pg_dir"
  chown postgres:postgres "$pg_dir" "$work"
  pg_data="$pg_dir/data"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_data" -l "$pg_dir/log" \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_dir $options" -w start >/dev/null
  pg_sql postgres "create database $database"
  pg_url="postgres://postgres@127.0.0.1:$pg_port/$database"
}

# pg_sql DATABASE STATEMENT: one statement on the cluster, quietly.
pg_sql() { psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -c "$2" >/dev/null; }

pg_stop() {
  [ -z "$pg_data" ] || runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true
}
