#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and local runs, from the machine's initdb / pg_ctl.
#
#   scripts/postgres.sh start DIR   initdb (first time) and start; prints one line: an Npgsql connection string
#   scripts/postgres.sh stop DIR    fast shutdown; does nothing when it is not running (start again: same port)
#
# Data, socket and log live in DIR. The server listens only on 127.0.0.1, on a free port, with trust
# authentication (so nothing but this machine can reach it). PostgreSQL refuses to run as root, so as root
# the server runs as a dedicated user (PG_USER, default wspg), created when missing.
set -euo pipefail

PG_USER="${PG_USER:-wspg}"

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
command="$1"
dir="$2"

# Runs a command as the server's user: that user when we are root, ourselves otherwise.
as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

is_running() {
    [[ -f "$dir/data/postmaster.pid" ]] && as_server_user pg_ctl -D "$dir/data" status >/dev/null 2>&1
}

connection_string() {
    echo "Host=127.0.0.1;Port=$(cat "$dir/port");Username=postgres;Database=postgres"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
    if [[ $(id -u) -eq 0 ]] && ! id -u "$PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    fi

    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$PG_USER" "$dir"
        chmod 0700 "$dir"
        if ! runuser -u "$PG_USER" -- test -w "$dir"; then
            echo "postgres.sh: user $PG_USER cannot reach $dir; pick a directory whose parents it may enter (e.g. under /tmp)" >&2
            exit 1
        fi
    fi

    if is_running; then
        connection_string
        return
    fi

    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        as_server_user initdb -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi

    # A port can be taken between the check and the start: try a few. A restart keeps the port it had, so the
    # processes using the server reconnect to it.
    local attempt port previous=""
    [[ -f "$dir/port" ]] && previous=$(cat "$dir/port")
    for attempt in 1 2 3 4 5 6 7 8; do
        if [[ $attempt -eq 1 && -n "$previous" ]]; then
            port=$previous
        else
            port=$((20000 + RANDOM % 40000))
        fi
        if port_in_use "$port"; then
            continue
        fi
        # Durability is not wanted from a throwaway server; speed is.
        if as_server_user pg_ctl -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start -o \
            "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            >/dev/null; then
            echo "$port" >"$dir/port"
            connection_string
            return
        fi
    done

    echo "postgres.sh: PostgreSQL did not start; see $dir/postgres.log" >&2
    tail -n 20 "$dir/postgres.log" >&2 || true
    exit 1
}

stop() {
    if [[ ! -d "$dir" ]]; then
        return
    fi
    if is_running; then
        as_server_user pg_ctl -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    fi
}

case "$command" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
