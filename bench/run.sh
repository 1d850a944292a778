#!/usr/bin/env bash
# The benchmark suite (docs: bench/RESULTS.md). One command:
#   bash bench/run.sh [--quick] [--runs N] [--no-write] [--no-postgres]   every figure beside its baseline and peers
#                     [--postgres CONNECTION_STRING] [--no-build]          (use a running PostgreSQL; skip the build)
#                     [--scale 0.2]                                        agent counts × 0.2 (a busy or small machine)
#                     [--only http,heap]                                   only those figures (by key prefix), printed, not written
#   bash bench/run.sh --million [SESSIONS] [--no-write]                    toward a million open sessions (10–15 min)
# Installs wrk and redis-server from Debian when missing, starts a throwaway PostgreSQL (scripts/postgres.sh), builds
# the bench in Release, runs, writes bench/RESULTS.md (unless --no-write) and stops everything it started.
set -uo pipefail
cd "$(dirname "$0")/.."

suite_args=()
million=""
postgres_wanted=1
postgres=""
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick|--no-write) suite_args+=("$1") ;;
    --runs|--scale|--only) suite_args+=("$1" "$2"); shift ;;
    --no-postgres) postgres_wanted=0 ;;
    --postgres) postgres=$2; shift ;;
    --no-build) build=0 ;;
    --million)
      million=1000000
      if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9]+$ ]]; then million=$2; shift; fi ;;
    *) echo "bench/run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/run.sh: installing ${missing[*]} from Debian" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
    || echo "bench/run.sh: could not install ${missing[*]}; the figures that need them will be missing" >&2
fi

work=$(mktemp -d /tmp/work-sessions-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  bash scripts/postgres.sh stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ "$build" -eq 1 ] && ! dotnet build bench/Bench.csproj --configuration Release --nologo -v quiet >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "bench/run.sh: the build failed" >&2
  exit 1
fi
bench=(dotnet bench/bin/Release/net10.0/WorkSessions.Bench.dll suite)

if [ -n "$million" ]; then
  "${bench[@]}" million --sessions "$million" "${suite_args[@]}"
  exit $?
fi

if [ -n "$postgres" ]; then
  suite_args+=(--postgres "$postgres")
elif [ "$postgres_wanted" -eq 1 ]; then
  if postgres=$(bash scripts/postgres.sh start "$work/postgres"); then
    suite_args+=(--postgres "$postgres")
  else
    echo "bench/run.sh: could not start the throwaway PostgreSQL; the PostgreSQL figures will be missing" >&2
    exit 1
  fi
fi

"${bench[@]}" run --gateway src/Gateway/bin/Release/net10.0/WorkSessions.Gateway.dll "${suite_args[@]}"
