#!/usr/bin/env bash
# Process start → first 200 from /health/ready of the Gateway, Production settings, a fresh SQLite file and then the
# same file again (existing schema and rows). Prints wall time and the process's CPU time until ready (the CPU time is
# the steadier figure on a busy machine). Extra environment (e.g. DOTNET_TieredPGO=0) passes through.
# Usage: bench/http/startup.sh GATEWAY_DLL [RUNS=3]
set -euo pipefail
gateway_dll=$(realpath "$1"); runs=${2:-3}
work=$(mktemp -d /tmp/http-startup-XXXX)
trap 'rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export ASPNETCORE_ENVIRONMENT=Production Auth__SigningKey=bench-signing-key-0123456789-0123456789 Metrics__Port=0
tick_us=$((1000000 / $(getconf CLK_TCK)))
for run in $(seq 1 "$runs"); do
  for database in fresh existing; do
    [[ $database == fresh ]] && rm -f "$work"/gateway.db*
    port=$(free_port)
    start=$(date +%s%N)
    Storage__ConnectionString="Data Source=$work/gateway.db" Orleans__SiloPort=$(free_port) Orleans__GatewayPort=$(free_port) \
      dotnet "$gateway_dll" --urls "http://127.0.0.1:$port" >"$work/log" 2>&1 &
    pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"; do
      kill -0 "$pid" 2>/dev/null || { tail -20 "$work/log" >&2; exit 1; }
      sleep 0.01
    done
    ready=$(date +%s%N)
    cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    printf 'run %d %-8s start → ready %5d ms, CPU %5d ms\n' "$run" "$database" $(( (ready - start) / 1000000 )) $(( cpu * tick_us / 1000 ))
  done
done
