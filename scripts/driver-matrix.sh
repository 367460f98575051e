#!/usr/bin/env bash
# Reruns the integration tests with other mongodb driver majors: `bash scripts/driver-matrix.sh 5 6`.
# Each major runs in a scratch copy of the repository under a temp dir, where `npm install --no-save
# mongodb@N` happens; the developer's own node_modules is never touched. test/integration/package-driver.test.ts fails
# the run unless driver N is the one that actually loaded.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
. "$repo/scripts/no-colour.sh"
results="$repo/.tmp/test-results"
mkdir -p "$results"

# One major, in its own scratch copy; the scratch copy is removed however it ends. Run it in a subshell: it
# sets an EXIT trap, and its variables stay global so that the trap still sees them.
run_major() {
  major="$1"
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/cmn-driver-$major.XXXXXX")"
  trap 'rm -rf "$scratch"' EXIT
  echo "--- mongodb@$major: scratch copy in $scratch"
  # The working tree as the developer has it (tracked and new files, not ignored ones).
  if git -C "$repo" rev-parse --git-dir > /dev/null 2>&1; then
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
      [ -e "$f" ] && printf '%s\0' "$f"
    done | xargs -0 cp --parents -t "$scratch")
  else # not a git checkout (e.g. an unpacked archive): everything but installs and outputs
    (cd "$repo" && find . -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .tmp ! -name dist ! -name coverage \
      -exec cp -a -t "$scratch" {} +)
  fi
  # Hard links make the copy cheap; npm replaces packages by writing new files, so the originals stay as they
  # are. Its hidden lockfile is rewritten in place, so that one file is a real copy.
  cp -al "$repo/node_modules" "$scratch/node_modules"
  rm -f "$scratch/node_modules/.package-lock.json"
  cp "$repo/node_modules/.package-lock.json" "$scratch/node_modules/.package-lock.json" 2>/dev/null || true
  (cd "$scratch" && npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error "mongodb@$major")
  loaded="$(cd "$scratch" && node -p "require('mongodb/package.json').version")"
  echo "--- mongodb@$major: installed driver $loaded"
  [ "${loaded%%.*}" = "$major" ] || { echo "expected mongodb $major.x, found $loaded" >&2; exit 1; }
  # Every test that talks to MongoDB through the driver. Left out, as the main run covers them: the example
  # apps (child processes, slow) and the unit tests (they never load the driver).
  (cd "$scratch" && EXPECT_MONGODB_MAJOR="$major" npx vitest run --exclude 'test/integration/examples/**' --exclude 'test/unit/**' \
    --reporter=default --reporter=json --outputFile.json="$results/driver-$major.json")
}

# The majors run side by side, each in a subshell with its own log, printed in order once all have ended:
# vitest runs one test file at a time on a 2-core machine, so one run alone leaves a core mostly idle.
pids=()
for major in "$@"; do
  (run_major "$major") > "$results/driver-$major.log" 2>&1 &
  pids+=("$!")
done
failed=()
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${*:$((i + 1)):1}")
done
for major in "$@"; do cat "$results/driver-$major.log"; done
[ "${#failed[@]}" -eq 0 ] || { echo "driver matrix: failed with mongodb ${failed[*]}" >&2; exit 1; }
