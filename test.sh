#!/usr/bin/env bash
# Runs every test of the solution on this machine: starts a throwaway PostgreSQL (scripts/postgres.sh),
# installs Debian's Chromium for the browser tests when missing, runs `dotnet test` over Orleans.sln, keeps the browser
# tests' screenshots in artifacts/screenshots, cleans up, and ends with one line: "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d /tmp/work-sessions-tests.XXXXXX)
chmod 755 "$work"
cleanup() {
  bash scripts/postgres.sh stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if ! WORKSESSIONS_TEST_POSTGRES=$(bash scripts/postgres.sh start "$work/postgres"); then
  echo "test.sh: could not start the throwaway PostgreSQL (see above)" >&2
  echo "tests: 0 passed, 1 failed"
  exit 1
fi
export WORKSESSIONS_TEST_POSTGRES

status=0
# The OpenAPI lint test runs Redocly CLI, pinned by tools/redocly/package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq nodejs npm) >/dev/null 2>&1 || echo "test.sh: could not install npm" >&2
fi
if ! npm ci --prefix tools/redocly --silent --no-audit --no-fund >/dev/null 2>&1; then
  echo "test.sh: npm ci in tools/redocly failed; the OpenAPI lint test will fail" >&2
fi
# The browser tests run axe-core, pinned by tools/axe/package-lock.json, in every page state; without it they fail.
if ! npm ci --prefix tools/axe --silent --no-audit --no-fund >/dev/null 2>&1; then
  echo "test.sh: npm ci in tools/axe failed; the browser tests will fail" >&2
fi
# The browser tests' console sign-in runs against oidc-provider, pinned by tools/oidc-provider/package-lock.json.
if ! npm ci --prefix tools/oidc-provider --silent --no-audit --no-fund >/dev/null 2>&1; then
  echo "test.sh: npm ci in tools/oidc-provider failed; the sign-in browser tests will fail" >&2
fi
# The browser tests drive Debian's Chromium (Playwright never downloads one); without it they fail, never skip.
if [ ! -x /usr/lib/chromium/chromium ]; then
  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || echo "test.sh: could not install chromium; the browser tests will fail" >&2
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# The browser tests' screenshots are kept here (gitignored), replaced on every run.
screenshots="$PWD/artifacts/screenshots"
rm -rf "$screenshots"
mkdir -p "$screenshots"
export WORKSESSIONS_ARTIFACTS="$screenshots"

# The generated-client tests generate their clients with Kiota and NSwag, pinned in .config/dotnet-tools.json; a
# document a generator cannot handle fails the build.
if ! dotnet tool restore; then
  echo "test.sh: dotnet tool restore failed; the generated clients cannot be built" >&2
  status=1
fi
if [ "$status" -eq 0 ] && ! dotnet build Orleans.sln --configuration Release; then
  echo "test.sh: the build failed" >&2
  status=1
fi

# One project at a time, each with its own results file: they start silos and servers of their own.
if [ "$status" -eq 0 ]; then
  for project in tests/*.Tests/*.csproj; do
    name=$(basename "$project" .csproj)
    dotnet test "$project" --configuration Release --no-build \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
      --blame-hang-timeout 5m --results-directory "$work/results" || status=1
  done
fi

passed=0
failed=0
# The benchmark suite's quick mode (bench/run.sh): every figure must come out, at tiny sizes and with no timing
# asserted; it counts as one test. It does not rewrite bench/RESULTS.md.
if [ "$status" -eq 0 ]; then
  if bash bench/run.sh --quick --no-write --no-build --postgres "$WORKSESSIONS_TEST_POSTGRES" >"$work/bench-quick.log" 2>&1 \
    && grep -q '^suite: all [0-9]* figures measured' "$work/bench-quick.log"; then
    passed=$((passed + 1))
    grep '^suite: all' "$work/bench-quick.log"
  else
    tail -n 60 "$work/bench-quick.log" >&2
    echo "test.sh: the benchmark suite's quick mode failed or missed a figure (see above)" >&2
    failed=$((failed + 1))
  fi
fi
for trx in "$work"/results/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
done

# The fault suite's figures (worst lateness, failed calls by status, recovery times), from its test output (the
# results file holds them twice: once as they were written, once with the test's output).
if [ -f "$work/results/Faults.Tests.trx" ]; then
  grep -o '\[faults\][^<]*' "$work/results/Faults.Tests.trx" | sed -e 's/&gt;/>/g' -e 's/&lt;/</g' -e 's/&amp;/\&/g' | awk '!seen[$0]++' || true
  grep -o '\[webhook-faults\][^<]*' "$work/results/Faults.Tests.trx" | sed -e 's/&gt;/>/g' -e 's/&lt;/</g' -e 's/&amp;/\&/g' | awk '!seen[$0]++' || true
  grep -o '\[presence\][^<]*' "$work/results/Faults.Tests.trx" | sed -e 's/&gt;/>/g' -e 's/&lt;/</g' -e 's/&amp;/\&/g' | awk '!seen[$0]++' || true
fi
# The webhook delivery figures (lag from the event to the receiver, events per second of one endpoint).
if [ -f "$work/results/Gateway.Tests.trx" ]; then
  grep -o '\[webhook-figures\][^<]*' "$work/results/Gateway.Tests.trx" | awk '!seen[$0]++' || true
fi

echo "screenshots: $screenshots ($(find "$screenshots" -name '*.png' | wc -l) files)"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: the build failed or a test host crashed (see above)" >&2
  failed=1
fi
echo "tests: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
