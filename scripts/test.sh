#!/usr/bin/env bash
# `npm test`: every check the project has, in order, stopping at the first failure.
#   1 typecheck   2 lint   3 vitest + coverage (driver 7)   4 driver matrix (mongodb 5, 6)
#   5 build   6 package checks (contents, publint, attw, ESM/CJS/TS smoke installs)
#   7 runtimes (the packed package on Node 22, 24, 26, Bun and Deno)   8 example smoke tests
# Results of each vitest run and check land in .tmp/test-results/, from which the last line is counted.
# A passing run prints no warning: a step whose output has one fails (see no_warnings below).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
. scripts/no-colour.sh
. scripts/no-warnings.sh

echo "npm test: every check, about 6-8 minutes on 2 cores (the durations are listed at the end)."
echo "Faster while working: npm run test:unit (vitest only), npx vitest run test/<file>.test.ts (one file),"
echo "bash scripts/driver-matrix.sh 6 (one other driver); see docs/development.md."
results=.tmp/test-results
rm -rf "$results" && mkdir -p "$results"

# The runtimes for step 7 download (once; cached in .cache/runtimes) while the first steps run: network, not CPU.
node --import tsx scripts/runtimes/install.ts > "$results/runtimes-install.log" 2>&1 &
runtimes_install=$!
runtimes_installed=no # set by the main shell before step 7: a step's subshell cannot wait for it
runtimes() {
  cat "$results/runtimes-install.log"
  [ "$runtimes_installed" = yes ] || { echo "installing the runtimes failed (above)"; return 1; }
  node --import tsx scripts/runtimes/run.ts
}

total_steps=8
current=0
current_name=""
started_all=$SECONDS
timings=()

on_error() {
  echo ""
  echo "npm test: FAILED in step $current/$total_steps ($current_name)"
}
trap on_error ERR

step() {
  current=$((current + 1))
  current_name="$1"
  shift
  echo ""
  echo "=============================================================="
  echo "== [$current/$total_steps] $current_name"
  echo "=============================================================="
  local started=$SECONDS
  local log="$results/step-$current.log"
  "$@" 2>&1 | tee "$log"
  no_warnings "$log" "npm test: step $current/$total_steps ($current_name) passed but"
  local took=$((SECONDS - started))
  timings+=("$(printf '%4ss  %s' "$took" "$current_name")")
  echo "-- $current_name: ok (${took}s)"
}
check() { # a non-vitest check counts as one passed test
  "$@"
  echo "pass $current_name" >> "$results/checks.txt"
}

step "typecheck (tsc --noEmit)" check tsc --noEmit
step "lint (eslint, --max-warnings 0)" check eslint . --max-warnings 0
step "unit + integration tests, mongodb driver 7, coverage >= 90% lines/branches on src/" \
  vitest run --coverage --exclude 'test/integration/examples/**' \
  --reporter=default --reporter=json --outputFile.json="$results/driver-7.json"
step "driver matrix: integration tests with mongodb 5 and 6 (scratch copies)" bash scripts/driver-matrix.sh 5 6
step "build (tsup: ESM + CJS + declarations)" check npm run --silent build
step "package checks: npm pack, contents, publint, attw, smoke installs (.mjs, .cjs, tsc)" bash scripts/check-package.sh
wait "$runtimes_install" && runtimes_installed=yes
step "runtimes: the packed package on Node 22, 24, 26, Bun and Deno (smoke files, an Express app over HTTP)" \
  runtimes
step "example smoke tests (npm start, restart keeps the session, every example answers)" \
  vitest run test/integration/examples/ --reporter=default --reporter=json --outputFile.json="$results/examples.json"

trap - ERR
echo ""
echo "== durations"
printf '%s\n' "${timings[@]}"
printf '%4ss  total\n' "$((SECONDS - started_all))"
node scripts/summarize-tests.mjs "$results"
