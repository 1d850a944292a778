#!/usr/bin/env bash
# A throwaway cluster on this machine, for trying the product as a cluster: a PostgreSQL (scripts/postgres.sh), three
# silos and two client-mode Gateways, all on loopback.
#
#   scripts/cluster.sh up [DIR]     build (Release), start everything, wait until both Gateways are ready, print the ports
#   scripts/cluster.sh down [DIR]   stop the processes (SIGTERM, so silos leave the cluster cleanly) and PostgreSQL, remove DIR
#
# DIR (default /tmp/work-sessions-cluster) holds the database, one working directory and log per process, and their pids.
# The Gateways run in Development, so the README's `token` command mints tokens they accept; the silos allow timeouts
# down to 1 s for demos. Ports: silos 11111-11113 (gateways 30000-30002, metrics 9464-9466), Gateways 5080 and 5081.
set -euo pipefail
cd "$(dirname "$0")/.."

command="${1:-}"
dir="${2:-/tmp/work-sessions-cluster}"
silo_dll=src/Silo/bin/Release/net10.0/WorkSessions.Silo.dll
gateway_dll=src/Gateway/bin/Release/net10.0/WorkSessions.Gateway.dll

usage() {
    echo "usage: $0 up|down [DIR]" >&2
    exit 2
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits until a URL answers 200, or fails naming the log to read.
wait_ready() {
    local url="$1" log="$2" attempt
    for attempt in $(seq 1 120); do
        if [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" || true) == 200 ]]; then
            return 0
        fi
        sleep 0.5
    done
    echo "cluster.sh: $url did not become ready within 60 s; see $log" >&2
    tail -n 20 "$log" >&2 || true
    return 1
}

start_process() {
    local name="$1"
    shift
    mkdir -p "$dir/$name"
    (cd "$dir/$name" && exec "$@" >"$dir/$name.log" 2>&1) &
    echo "$!" >"$dir/$name.pid"
}

up() {
    if [[ -f "$dir/pids" ]]; then
        echo "cluster.sh: a cluster is already up in $dir; run '$0 down $dir' first" >&2
        exit 1
    fi
    for port in 11111 11112 11113 30000 30001 30002 9464 9465 9466 5080 5081; do
        if port_in_use "$port"; then
            echo "cluster.sh: port $port is in use (another cluster or the one-process product?)" >&2
            exit 1
        fi
    done

    dotnet build Orleans.sln --configuration Release --verbosity quiet --nologo >/dev/null
    mkdir -p "$dir"
    local database
    # The server is this cluster's alone: its default database holds the schema, created by whichever process starts first.
    database=$(bash scripts/postgres.sh start "$dir/postgres")

    local common=(--Storage:Provider=postgres "--Storage:ConnectionString=$database" --Orleans:ClusterId=local-cluster)
    for i in 0 1 2; do
        start_process "silo-$((i + 1))" dotnet "$PWD/$silo_dll" "${common[@]}" --contentRoot "$PWD/$(dirname "$silo_dll")" \
            --Orleans:SiloPort=$((11111 + i)) --Orleans:GatewayPort=$((30000 + i)) --Metrics:Port=$((9464 + i)) \
            --WorkSessions:MinimumInactivityTimeoutSeconds=1 --WorkSessions:MinimumGracePeriodSeconds=1
    done
    for i in 0 1; do
        ASPNETCORE_ENVIRONMENT=Development start_process "gateway-$((i + 1))" dotnet "$PWD/$gateway_dll" "${common[@]}" \
            --contentRoot "$PWD/$(dirname "$gateway_dll")" \
            --Orleans:Mode=client --urls "http://127.0.0.1:$((5080 + i))"
    done
    cat "$dir"/*.pid >"$dir/pids"

    wait_ready http://127.0.0.1:5080/health/ready "$dir/gateway-1.log"
    wait_ready http://127.0.0.1:5081/health/ready "$dir/gateway-2.log"

    cat <<EOF
cluster up in $dir
  PostgreSQL   $database
  silos        silo 127.0.0.1:11111 / gateway :30000 / metrics http://127.0.0.1:9464/metrics   (log $dir/silo-1.log)
               silo 127.0.0.1:11112 / gateway :30001 / metrics http://127.0.0.1:9465/metrics   (log $dir/silo-2.log)
               silo 127.0.0.1:11113 / gateway :30002 / metrics http://127.0.0.1:9466/metrics   (log $dir/silo-3.log)
  Gateways     http://127.0.0.1:5080/api/v1   (metrics /metrics, dashboard /dashboard/, log $dir/gateway-1.log)
               http://127.0.0.1:5081/api/v1   (log $dir/gateway-2.log)
stop it with: $0 down $dir
EOF
}

down() {
    if [[ -f "$dir/pids" ]]; then
        local pid
        for pid in $(cat "$dir/pids"); do
            kill -TERM "$pid" 2>/dev/null || true
        done
        for pid in $(cat "$dir/pids"); do
            for _ in $(seq 1 60); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.5
            done
            kill -KILL "$pid" 2>/dev/null || true
        done
    fi
    bash scripts/postgres.sh stop "$dir/postgres" >/dev/null 2>&1 || true
    rm -rf "$dir"
    echo "cluster down"
}

case "$command" in
    up) up ;;
    down) down ;;
    *) usage ;;
esac
