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

# PATH without node_modules entries (and without empty entries, which mean ".").
SYS_PATH=""
IFS=':' read -r -a path_parts <<< "$PATH"
for p in "${path_parts[@]}"; do
  [[ -z "$p" || "$p" == *node_modules* ]] && continue
  SYS_PATH="${SYS_PATH:+$SYS_PATH:}$p"
done

NODE_BIN="$(PATH="$SYS_PATH" command -v node || true)"
[[ -n "$NODE_BIN" ]] || die "no 'node' on PATH outside node_modules (PATH without node_modules: $SYS_PATH). Install the machine's own Node (20) or put it on PATH."
NODE_REAL="$(readlink -f "$NODE_BIN")"
ROOT_NM="$(readlink -f "$ROOT/node_modules" 2>/dev/null || echo "$ROOT/node_modules")"
[[ "$NODE_REAL" != "$ROOT_NM"/* ]] || die "'$NODE_BIN' resolves to the project's own node ($NODE_REAL), not the machine's."
NPM_BIN="$(PATH="$SYS_PATH" command -v npm || true)"
[[ -n "$NPM_BIN" ]] || die "no 'npm' on PATH outside node_modules."

NODE_VERSION="$(PATH="$SYS_PATH" "$NODE_BIN" -p 'process.versions.node')"
NODE_MAJOR="${NODE_VERSION%%.*}"
say "system node: $NODE_BIN -> $NODE_REAL (v$NODE_VERSION, ABI $(PATH="$SYS_PATH" "$NODE_BIN" -p 'process.versions.modules'))"
if [[ "$NODE_MAJOR" != "20" ]]; then
  say "note: the system node is v$NODE_VERSION, not 20; the test runs on it anyway, but it does not prove Node 20."
fi

for f in index.cjs index.js better-sqlite3.cjs better-sqlite3.js; do
  [[ -f "$ROOT/dist/$f" ]] || die "dist/$f is missing: build first (npm run build, or npx tsup from the repo root)."
done

# Native build for the system node: lifecycle scripts of the nested install still see the repo's
# node_modules/.bin (npm walks up every ancestor folder), so node-gyp may run under Node 22; pin
# its target to the system node and use that node's own headers when they sit next to it.
export npm_config_target="$NODE_VERSION" npm_config_runtime=node
NODE_PREFIX="$(dirname "$(dirname "$NODE_REAL")")"
HEADERS="$NODE_PREFIX/include/node/node_version.h"
if [[ -f "$HEADERS" ]] && grep -Eq "^#define NODE_MAJOR_VERSION $NODE_MAJOR\$" "$HEADERS"; then
  export npm_config_nodedir="$NODE_PREFIX"
fi

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
