#!/usr/bin/env bash
# Runs the packed tarball on the machine's own Node (20 here): packed from the build (dist/, or
# PRISMQ_DIST_DIR), installed into an empty project with better-sqlite3 12.x from
# test/node20/node_modules linked in (13.x segfaults on Node 20), then test/node20's smoke tests
# (ESM and CJS) and the package conformance suite (driver contract, properties, lifecycle) on
# better-sqlite3, ES module, and its lifecycle as CommonJS.
#
# npm scripts put node_modules/.bin first on PATH, and the project's devDependency `node@22` lives
# there, so "the machine's own node" is found on PATH with every node_modules entry removed, and
# every node/npm command for test/node20 runs with that filtered PATH.
#
# The caller builds dist/ first (`npm run build`); `npm test` does.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/test/node20"
say() { echo "test-node20: $*"; }
die() { echo "test-node20: ERROR: $*" >&2; exit 1; }

source "$ROOT/scripts/lib/system-node.sh"
say "system node: $NODE_BIN -> $NODE_REAL (v$NODE_VERSION, ABI $(PATH="$SYS_PATH" "$NODE_BIN" -p 'process.versions.modules'))"
if [[ "$NODE_MAJOR" != "20" ]]; then
  say "note: the system node is v$NODE_VERSION, not 20; the test runs on it anyway, but it does not prove Node 20."
fi

DIST="${PRISMQ_DIST_DIR:-$ROOT/dist}"
for f in index.cjs index.js better-sqlite3.cjs better-sqlite3.js; do
  [[ -f "$DIST/$f" ]] || die "$DIST/$f is missing: build first (npm run build, or npx tsdown from the repo root)."
done

loads() {
  (cd "$DIR" && PATH="$SYS_PATH" "$NODE_BIN" -e "require('better-sqlite3')(':memory:').close()") >/dev/null 2>&1
}

ADDON="$DIR/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
reason=""
if [[ ! -f "$ADDON" ]]; then
  reason="better-sqlite3 is not installed in test/node20"
elif ! loads; then
  reason="better-sqlite3 in test/node20 does not load under node v$NODE_VERSION"
fi
if [[ -n "$reason" ]]; then
  say "$reason: npm ci in test/node20 (builds better-sqlite3 from source when no prebuilt binary is reachable, about a minute)"
  start=$SECONDS
  (cd "$DIR" && PATH="$SYS_PATH" "$NPM_BIN" ci --no-audit --no-fund)
  say "npm ci took $((SECONDS - start)) s"
  loads || die "better-sqlite3 still does not load under node v$NODE_VERSION after npm ci (run: cd test/node20 && node -e \"require('better-sqlite3')(':memory:')\")."
fi
say "better-sqlite3 $(cd "$DIR" && PATH="$SYS_PATH" "$NODE_BIN" -p "require('better-sqlite3/package.json').version") loads under node v$NODE_VERSION"

# The project is made with the Node that runs this script (22 under npm scripts: it runs .ts);
# only the tests below run on the machine's node.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/prismq-node20-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PROJECT="$(node "$ROOT/scripts/package-project.ts" --dist "$DIST" --out "$WORK" --peers-from "$DIR/node_modules" \
  --peers better-sqlite3 --copy "$DIR/smoke.test.mjs" --copy "$DIR/smoke.test.cjs")"
say "tarball installed in $PROJECT"

cd "$PROJECT"
set +e
PATH="$SYS_PATH" "$NODE_BIN" --test smoke.test.mjs smoke.test.cjs
status=$?
PATH="$SYS_PATH" DRIVERS=better-sqlite3 CONFORMANCE_RUNS="${CONFORMANCE_RUNS:-20}" "$NODE_BIN" --test suite/node.test.mjs
s2=$?
PATH="$SYS_PATH" DRIVERS=better-sqlite3 PRISMQ_SUITE=smoke "$NODE_BIN" --test suite/node.test.cjs
s3=$?
set -e
(( status == 0 && s2 == 0 && s3 == 0 )) || exit 1
