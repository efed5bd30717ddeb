/**
 * Writing JSON Lines for `prismq export` and `prismq drain --out`: to stdout, or to a file
 * written under a temporary name and renamed only once complete, so a cut file never carries
 * the final name.
 *
 * @module
 */
import { once } from "node:events";
import { createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import { describeThrown, isQueueError } from "../../src/errors.ts";
import { UsageError } from "./args.ts";
import { err } from "./output.ts";

/** Refuses an output file that already exists (exit 2), naming the flag that would allow it. */
export function refuseExisting(path: string, allowFlag?: string): void {
  if (existsSync(path)) {
    throw new UsageError(`${path} exists${allowFlag === undefined ? "" : ` (use ${allowFlag} to overwrite it)`}`);
  }
}

/**
 * Writes `lines` (each ending in a newline) to `outPath`, or to stdout when it is undefined.
 * Returns the number of task lines written, or undefined after reporting a file error (exit 1);
 * a queue error is rethrown for the dispatcher to report.
 */
export async function writeLines(command: string, lines: AsyncIterable<string>, outPath: string | undefined): Promise<number | undefined> {
  const tmp = outPath === undefined ? undefined : `${outPath}.partial-${process.pid}`;
  try {
    const stream = tmp === undefined ? process.stdout : createWriteStream(tmp, { flags: "wx" });
    let count = 0;
    for await (const line of lines) {
      if (line.startsWith('{"kind":"task"')) count++;
      if (!stream.write(line)) await once(stream, "drain");
    }
    if (tmp !== undefined) {
      stream.end();
      await once(stream, "finish");
      renameSync(tmp, outPath!);
    }
    return count;
  } catch (e) {
    if (tmp !== undefined) rmSync(tmp, { force: true });
    if (isQueueError(e)) throw e;
    err(`prismq ${command}: ${describeThrown(e).message}`);
    return undefined;
  }
}
