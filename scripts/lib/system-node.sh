# Sourced by scripts/test-node20.sh (bash, Linux/macOS CI only): finds the machine's own node and
# npm and prepares a native build for that node. The caller sets ROOT and defines die().
# scripts/lib/system-node.ts is the same for Node scripts (scripts/bench-peers-setup.ts, which
# Windows users run too): keep the two in step.
#
# npm scripts put the project's devDependency node@22 first on PATH (node_modules/.bin), so the
# machine's node is found on PATH with every node_modules entry removed. Sets SYS_PATH, NODE_BIN,
# NODE_REAL, NPM_BIN, NODE_VERSION and NODE_MAJOR; run node/npm with PATH="$SYS_PATH".

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

# Lifecycle scripts of a nested install still see the repo's node_modules/.bin (npm walks up
# every ancestor folder), so node-gyp may run under Node 22: pin its target to the machine's node
# and use that node's own headers when they sit next to it.
export npm_config_target="$NODE_VERSION" npm_config_runtime=node
NODE_PREFIX="$(dirname "$(dirname "$NODE_REAL")")"
HEADERS="$NODE_PREFIX/include/node/node_version.h"
if [[ -f "$HEADERS" ]] && grep -Eq "^#define NODE_MAJOR_VERSION $NODE_MAJOR\$" "$HEADERS"; then
  export npm_config_nodedir="$NODE_PREFIX"
fi
