/**
 * The machine's own node and npm, for native builds that must match it (the liteque bench peer's
 * better-sqlite3 11.9.1): the Node port of scripts/lib/system-node.sh, which scripts/test-node20.sh
 * still sources. Runs on Linux, macOS and Windows.
 *
 * npm scripts put the project's devDependency node@22 first on PATH (node_modules/.bin), so the
 * machine's node is the first one on PATH with every node_modules entry removed.
 */
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, realpathSync } from "node:fs";
import { delimiter, dirname, join, relative, isAbsolute } from "node:path";

/** The machine's node and npm, and the environment that runs them (see {@link findSystemNode}). */
export interface SystemNode {
  /** PATH without node_modules entries (and without empty ones, which mean "."). */
  readonly sysPath: string;
  /** The `node` found on {@link sysPath}, and where it really is (links resolved). */
  readonly nodeBin: string;
  readonly nodeReal: string;
  readonly nodeVersion: string;
  readonly nodeMajor: string;
  /** `process.versions.modules` of that node (the native ABI). */
  readonly abi: string;
  /** The environment for every node/npm command: PATH = sysPath, native builds pinned to that node. */
  readonly env: NodeJS.ProcessEnv;
  /** How to run npm: a command and the arguments before npm's own. */
  readonly npm: { readonly command: string; readonly prefix: readonly string[]; readonly shell: boolean };
}

/** An error whose message is the whole explanation (printed without a stack). */
export class SetupError extends Error {}

/** The executable `name` in the folders of `path` (with `.exe`/PATHEXT on Windows), or null. */
export function whichIn(name: string, path: string, platform: string = process.platform): string | null {
  const exts = platform === "win32" ? ["", ...(process.env["PATHEXT"] ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean)] : [""];
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    for (const ext of exts) {
      const p = join(dir, name + ext.toLowerCase());
      try {
        accessSync(p, platform === "win32" ? constants.F_OK : constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** `env` with PATH replaced (Windows spells it Path and ignores case: no second copy is left). */
export function withPath(env: NodeJS.ProcessEnv, path: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (k.toUpperCase() !== "PATH") out[k] = v;
  out["PATH"] = path;
  return out;
}

/** Finds the machine's node and npm (see the module); throws {@link SetupError} when there is none. */
export function findSystemNode(root: string): SystemNode {
  const sysPath = (process.env["PATH"] ?? "")
    .split(delimiter)
    .filter((p) => p !== "" && !p.includes("node_modules"))
    .join(delimiter);
  const nodeBin = whichIn("node", sysPath);
  if (nodeBin === null) {
    throw new SetupError(
      `no 'node' on PATH outside node_modules (PATH without node_modules: ${sysPath}). Install the machine's own Node (20) or put it on PATH.`,
    );
  }
  const nodeReal = realpathSync(nodeBin);
  let rootModules = join(root, "node_modules");
  try {
    rootModules = realpathSync(rootModules);
  } catch {
    // not installed: nothing to confuse it with
  }
  const rel = relative(rootModules, nodeReal);
  if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) {
    throw new SetupError(`'${nodeBin}' resolves to the project's own node (${nodeReal}), not the machine's.`);
  }
  // npm next to that node: on Windows npm is a .cmd (which spawn runs only through a shell), so run
  // its npm-cli.js with that node when it is there.
  const npmCli = join(dirname(nodeReal), "node_modules", "npm", "bin", "npm-cli.js");
  let npm: SystemNode["npm"];
  if (process.platform === "win32" && existsSync(npmCli)) {
    npm = { command: nodeBin, prefix: [npmCli], shell: false };
  } else {
    const npmBin = whichIn("npm", sysPath);
    if (npmBin === null) throw new SetupError("no 'npm' on PATH outside node_modules.");
    npm = { command: npmBin, prefix: [], shell: /\.(cmd|bat)$/i.test(npmBin) };
  }

  const baseEnv = withPath(process.env, sysPath);
  const ask = (expr: string): string => {
    const r = spawnSync(nodeBin, ["-p", expr], { env: baseEnv, encoding: "utf8" });
    if (r.status !== 0) throw new SetupError(`${nodeBin} -p ${expr} failed: ${r.stderr || r.error?.message}`);
    return r.stdout.trim();
  };
  const nodeVersion = ask("process.versions.node");
  const nodeMajor = nodeVersion.split(".")[0]!;
  const abi = ask("process.versions.modules");

  // Lifecycle scripts of a nested install still see the repo's node_modules/.bin (npm walks up
  // every ancestor folder), so node-gyp may run under Node 22: pin its target to the machine's
  // node and use that node's own headers when they sit next to it.
  const env: NodeJS.ProcessEnv = { ...baseEnv, npm_config_target: nodeVersion, npm_config_runtime: "node" };
  const prefix = dirname(dirname(nodeReal));
  const headers = join(prefix, "include", "node", "node_version.h");
  if (existsSync(headers) && new RegExp(`^#define NODE_MAJOR_VERSION ${nodeMajor}$`, "m").test(readFileSync(headers, "utf8"))) {
    env["npm_config_nodedir"] = prefix;
  }
  return { sysPath, nodeBin, nodeReal, nodeVersion, nodeMajor, abi, env, npm };
}

/** Runs the machine's npm with `args` in `cwd`, output shown. */
export function runNpm(sys: SystemNode, args: readonly string[], cwd: string): SpawnSyncReturns<Buffer> {
  const opts: SpawnSyncOptions = { cwd, env: sys.env, stdio: "inherit", shell: sys.npm.shell };
  return spawnSync(sys.npm.command, [...sys.npm.prefix, ...args], opts) as SpawnSyncReturns<Buffer>;
}
