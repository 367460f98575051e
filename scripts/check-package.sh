#!/usr/bin/env bash
# Checks what `npm publish` would ship, from the packed tarball (run `npm run build` first):
# its contents, publint (--strict: warnings fail), attw (all four resolution modes), and the smoke installs.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
. scripts/no-colour.sh
results="$repo/.tmp/test-results"
mkdir -p "$results" .tmp/pack
rm -f .tmp/pack/*.tgz
pass() { echo "pass $1" >> "$results/checks.txt"; echo "ok - $1"; }

[ -f dist/index.js ] && [ -f dist/index.cjs ] && [ -f dist/index.d.ts ] && [ -f dist/index.d.cts ] \
  || { echo "dist/ is incomplete: run npm run build first" >&2; exit 1; }

tarball="$repo/.tmp/pack/$(npm pack --ignore-scripts --silent --pack-destination .tmp/pack)"
echo "packed $tarball"

# Contents: dist, docs and the manifest only; never tests, the test server, sources or examples.
contents="$(tar -tzf "$tarball" | sed 's|^package/||' | sort)"
echo "$contents" | sed 's/^/  /'
unexpected="$(echo "$contents" | grep -Ev '^(dist/index\.(js|cjs|d\.ts|d\.cts|js\.map|cjs\.map)|package\.json|README\.md|LICENSE|CHANGELOG\.md)$' || true)"
[ -z "$unexpected" ] || { echo "unexpected files in the tarball:" >&2; echo "$unexpected" >&2; exit 1; }
for required in dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts README.md LICENSE CHANGELOG.md; do
  # A here-string, not a pipe: grep -q may exit before echo has written, and pipefail would report the SIGPIPE.
  grep -qx "$required" <<< "$contents" || { echo "missing from the tarball: $required" >&2; exit 1; }
done
pass "package contents"

npx publint run "$tarball" --strict --level suggestion
pass "publint --strict"

# attw colours its table whatever NO_COLOR says; it has a flag instead.
npx attw "$tarball" --profile strict ${NO_COLOR:+--no-color}
pass "attw (node10, node16-cjs, node16-esm, bundler)"

node --import tsx scripts/smoke-package.ts "$tarball"
