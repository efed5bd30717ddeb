#!/usr/bin/env bash
# Runs test/node20/: the built package (dist/, ESM and CJS) on the machine's own Node (20 here),
# with better-sqlite3 12.x installed in test/node20/node_modules (13.x segfaults on Node 20).
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

for f in index.cjs index.js better-sqlite3.cjs better-sqlite3.js; do
  [[ -f "$ROOT/dist/$f" ]] || die "dist/$f is missing: build first (npm run build, or npx tsup from the repo root)."
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

cd "$ROOT"
set +e
PATH="$SYS_PATH" "$NODE_BIN" --test test/node20/
status=$?
set -e
exit "$status"
