#!/usr/bin/env bash
# The HTTP heartbeat against its baselines, one wrk run each, in Production settings with a fresh SQLite file:
#   bare   a bare Kestrel app answering 204 (only with BARE_DLL)
#   live   the Gateway's /health/live, no token
#   bearer the Gateway's /health/live with a bearer token (token validation's price)
#   beat   POST /api/v1/me/work-session/activity, AGENTS agents with open sessions, each request the next agent's token
# The heartbeat limit per user is raised to its maximum (6,000/min, burst 1,000) and the requests rotate over the agents
# (100/s each allowed), so wrk measures the path, not 429s; "non-2xx" in the output would show otherwise.
# Usage: bench/http/heartbeat.sh GATEWAY_DLL [AGENTS=2000] [DURATION=10s] [BARE_DLL]
# PROFILE=DIR: also a CPU-sampling trace of the Gateway during each Gateway run (dotnet-trace collect-linux, 8 s),
# DIR/NAME.nettrace; read with `dotnet-trace report DIR/NAME.nettrace topN -n 100 --inclusive`.
set -euo pipefail
gateway_dll=$(realpath "$1"); agents=${2:-2000}; duration=${3:-10s}; bare_dll=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null
work=$(mktemp -d /tmp/http-heartbeat-XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
export ASPNETCORE_ENVIRONMENT=Production
export Auth__SigningKey=bench-signing-key-0123456789-0123456789
export Storage__ConnectionString="Data Source=$work/gateway.db"
export Orleans__SiloPort=$(free_port) Orleans__GatewayPort=$(free_port) Metrics__Port=0
export Gateway__HeartbeatsPerMinute=6000 Gateway__HeartbeatBurst=1000
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# Started in its own folder, as the suite does: the content root is the working directory, and elsewhere the Gateway
# would not find its appsettings.json (and would log every request).
(cd "$(dirname "$gateway_dll")" && exec dotnet "$gateway_dll" --urls "http://127.0.0.1:$port") >"$work/gateway.log" 2>&1 &
pids+=($!)
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do
  kill -0 "${pids[0]}" 2>/dev/null || { tail -40 "$work/gateway.log" >&2; exit 1; }
  sleep 0.2
done
python3 "$here/mint_tokens.py" "$Auth__SigningKey" bench "$agents" >"$work/tokens.txt"
# An admin turns work sessions on (30 min timeout: nobody is prompted during the run), then one session per agent.
admin=$(python3 "$here/mint_tokens.py" "$Auth__SigningKey" bench 1 8 admin)
curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":1800,"gracePeriodSeconds":180}' \
  "http://127.0.0.1:$port/api/v1/preferences/work-sessions"
# One session per agent (a write each; the write limit per user allows it).
xargs -P 8 -I TOKEN curl -s -o /dev/null -w "%{http_code}\n" -X POST -H "Authorization: Bearer TOKEN" -H "Content-Type: application/json" \
  -d '{}' "http://127.0.0.1:$port/api/v1/me/work-session" <"$work/tokens.txt" | sort | uniq -c | sed "s/^/session starts: /"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system time of a process, in clock ticks
tick_us=$((1000000 / $(getconf CLK_TCK)))
machine_ticks() { awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8, $5+$6}' /proc/stat; } # all and idle (incl. iowait) ticks
run() { # name, server pid, wrk args...: throughput; the server's and wrk's CPU time per request and the machine's idle share
  # (where throughput and the server's CPU disagree, the rest of the 2 cores went to wrk or stood idle)
  local name=$1 pid=$2; shift 2
  local before; before=$(cpu_ticks "$pid")
  local machine_before; read -r -a machine_before <<<"$(machine_ticks)"
  local trace_pid=""
  if [[ -n "${PROFILE:-}" && "$pid" == "${pids[0]}" ]]; then
    mkdir -p "$PROFILE"
    (sleep 1; dotnet-trace collect-linux --profile cpu-sampling -p "$pid" --duration 00:00:00:08 -o "$PROFILE/$name.nettrace" >/dev/null 2>&1) &
    trace_pid=$!
  fi
  local out; out=$( { /usr/bin/time -f '@wrk %U %S' wrk -t2 -c64 -d"$duration" "$@"; } 2>&1)
  [[ -n "$trace_pid" ]] && wait "$trace_pid"
  local cpu=$(( ($(cpu_ticks "$pid") - before) * tick_us ))
  local machine_after; read -r -a machine_after <<<"$(machine_ticks)"
  local idle; idle=$(bc -l <<<"100 * (${machine_after[1]} - ${machine_before[1]}) / (${machine_after[0]} - ${machine_before[0]})")
  local wrk_cpu; wrk_cpu=$(awk '/^@wrk/ {printf "%d", ($2 + $3) * 1000000}' <<<"$out")
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local requests; requests=$(awk '/requests in/ {print $1}' <<<"$out")
  local bad; bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  local latency; latency=$(awk '/Latency/ {print $2}' <<<"$out")
  printf '%-7s %10s req/s  server %6.1f us CPU/request  wrk %5.1f us/request  machine idle %4.1f%%  mean latency %s%s\n' \
    "$name" "$rps" "$(bc -l <<<"$cpu / $requests")" "$(bc -l <<<"$wrk_cpu / $requests")" "$idle" "$latency" "${bad:+  ($bad non-2xx)}"
}
if [[ -n "$bare_dll" ]]; then
  bare_port=$(free_port)
  dotnet "$bare_dll" --urls "http://127.0.0.1:$bare_port" >/dev/null 2>&1 &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$bare_port/" >/dev/null; do sleep 0.2; done
  wrk -t2 -c64 -d3s "http://127.0.0.1:$bare_port/" >/dev/null # warm-up
  run bare "${pids[1]}" "http://127.0.0.1:$bare_port/"
fi
# Warm-ups (discarded), so the measured runs see tiered-up code as a server that has been running does.
wrk -t2 -c64 -d3s "http://127.0.0.1:$port/health/live" >/dev/null
wrk -t2 -c64 -d3s -s "$here/bearer.lua" "http://127.0.0.1:$port/health/live" -- "$work/tokens.txt" >/dev/null
wrk -t2 -c64 -d3s -s "$here/heartbeat.lua" "http://127.0.0.1:$port" -- "$work/tokens.txt" >/dev/null
run live "${pids[0]}" "http://127.0.0.1:$port/health/live"
run bearer "${pids[0]}" -s "$here/bearer.lua" "http://127.0.0.1:$port/health/live" -- "$work/tokens.txt"
run beat "${pids[0]}" -s "$here/heartbeat.lua" "http://127.0.0.1:$port" -- "$work/tokens.txt"
