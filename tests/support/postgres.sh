#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: `postgres.sh start DIR` creates a cluster in a new
# folder under /tmp (initdb), starts it on 127.0.0.1 at a free port and writes the URI the tests
# connect with to DIR/uri; `postgres.sh stop DIR` stops it and removes both. CTest runs them as a
# fixture around every test that runs on PostgreSQL.
#
# initdb and the server refuse to run as root: as root (CI), the cluster belongs to the
# `postgres` user that Debian's server package creates. Trust authentication on 127.0.0.1 only,
# with a password required for the `teep_password` role (the wrong-password test needs one).
set -euo pipefail

action="${1:?usage: postgres.sh start|stop DIR}"
dir="${2:?usage: postgres.sh start|stop DIR}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bin/initdb" ] || { echo "postgres.sh: no PostgreSQL server found (apt package postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_cluster() {
    local cluster
    cluster="$(cat "$dir/cluster" 2>/dev/null || true)"
    if [ -n "$cluster" ] && [ -f "$cluster/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null || true
    fi
    [ -n "$cluster" ] && rm -rf "$cluster"
    rm -rf "$dir"
}

case "$action" in
start)
    stop_cluster # what a run that was killed left behind
    mkdir -p "$dir"
    # Under /tmp, not in the build tree: the server's user must reach it, whoever owns the tree.
    cluster="$(mktemp -d /tmp/teep-postgres.XXXXXX)"
    echo "$cluster" >"$dir/cluster"
    [ "$(id -u)" -eq 0 ] && chown postgres "$cluster"
    as_owner "$bin/initdb" -D "$cluster/data" -U postgres --auth-local=trust --auth-host=trust -E UTF8 --locale=C.UTF-8 >"$cluster/initdb.log" 2>&1 \
        || { cat "$cluster/initdb.log" >&2; exit 1; }
    # Passwords for the one role that has one; everyone else is trusted on 127.0.0.1.
    sed -i '1i host all teep_password 127.0.0.1/32 scram-sha-256' "$cluster/data/pg_hba.conf"
    port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # fsync stays on: the tests' durability claims are about a real server's commits.
    as_owner "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $cluster -c max_connections=300 -c shared_buffers=64MB" start >/dev/null \
        || { cat "$cluster/server.log" >&2; exit 1; }
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE ROLE teep LOGIN CREATEDB;
GRANT pg_signal_backend TO teep;
CREATE ROLE teep_password LOGIN CREATEDB PASSWORD 'right-password';
SQL
    echo "postgresql://teep@127.0.0.1:$port/postgres" >"$dir/uri"
    echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($cluster)"
    ;;
stop)
    stop_cluster
    ;;
*)
    echo "usage: postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac
