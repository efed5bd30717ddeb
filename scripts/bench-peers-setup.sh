#!/usr/bin/env bash
# Installs the benchmark peers that cannot live in the root package: liteque 0.8.0 needs
# better-sqlite3 11.9.1 (it crashes on >= 11.10, and the root package needs >= 11.10), so it gets
# its own folder, bench/peers/liteque, with its own lockfile. plainjob needs nothing here: it is a
# root devDependency and runs on the project's Node 22 (bench/peers/plainjob.ts).
#
# There are no Node 22 headers on the machine (only the system Node 20's, and ~/.npmrc sets
# nodedir=/usr), so better-sqlite3 11.9.1 is built from source for the machine's own node, found on
# PATH with every node_modules entry removed (npm scripts put the project's node@22 first). That
# node then runs the liteque runner; the last lines printed say which node and the command.
#
# Idempotent: skips the install (about a minute of native build) when better-sqlite3 11.9.1 and
# liteque are already there and the driver loads under that node. Finds that node with
# scripts/lib/system-node.sh, like scripts/test-node20.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/bench/peers/liteque"
say() { echo "bench-peers-setup: $*"; }
die() { echo "bench-peers-setup: ERROR: $*" >&2; exit 1; }

source "$ROOT/scripts/lib/system-node.sh"
say "node for liteque: $NODE_BIN -> $NODE_REAL (v$NODE_VERSION, ABI $(PATH="$SYS_PATH" "$NODE_BIN" -p 'process.versions.modules'))"

# Checks the versions too: a folder left from an older package.json must not pass as installed.
installed() {
  (cd "$DIR" && PATH="$SYS_PATH" "$NODE_BIN" -e "
    const v = (p) => require(p + '/package.json').version;
    if (v('better-sqlite3') !== '11.9.1' || v('liteque') !== '0.8.0') process.exit(1);
    require('better-sqlite3')(':memory:').close();
  ") >/dev/null 2>&1
}

ADDON="$DIR/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
reason=""
if [[ ! -f "$ADDON" ]]; then
  reason="better-sqlite3 is not built in bench/peers/liteque"
elif ! installed; then
  reason="bench/peers/liteque is incomplete or its better-sqlite3 does not load under node v$NODE_VERSION"
fi
if [[ -n "$reason" ]]; then
  say "$reason: npm ci in bench/peers/liteque (builds better-sqlite3 11.9.1 from source when no prebuilt binary is reachable, about a minute)"
  start=$SECONDS
  (cd "$DIR" && PATH="$SYS_PATH" "$NPM_BIN" ci --no-audit --no-fund)
  say "npm ci took $((SECONDS - start)) s"
  installed || die "liteque 0.8.0 / better-sqlite3 11.9.1 still do not load under node v$NODE_VERSION after npm ci (run: cd bench/peers/liteque && $NODE_BIN -e \"require('better-sqlite3')(':memory:')\")."
else
  say "already installed, nothing to do"
fi

# A ten-job run proves the runner itself works with this node before a benchmark relies on it.
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
PATH="$SYS_PATH" "$NODE_BIN" "$DIR/run.mjs" --db "$TMP/smoke.db" --jobs 10 --timeout-ms 30000 >"$TMP/out.json" \
  || die "liteque smoke run failed: $(cat "$TMP/out.json")"
say "smoke run ok: $(cat "$TMP/out.json")"
say "liteque 0.8.0 + better-sqlite3 11.9.1 ready under node v$NODE_VERSION ($NODE_REAL)"
say "run: $NODE_REAL $DIR/run.mjs --db <absolute path of a new file> --jobs <N> [--batch]"
