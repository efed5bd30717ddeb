/**
 * `prismq resume`: ends a pause of `prismq pause`.
 *
 * @module
 */
import { COMMON_HELP } from "../lib/help.ts";
import { pauseOrResume } from "./pause.ts";

/** `prismq resume --help`. */
export const help = `Usage: prismq resume [TYPE]

Ends the pause of TYPE, or the pause of the whole queue without TYPE (a pause of a type stays
until that type is resumed). Workers claim again at their next claim.

Options:
${COMMON_HELP}

Exit codes: 0 done, 1 database failure, 2 bad usage.`;

/** `prismq resume [TYPE]`: lets paused work start again. */
export function run(args: readonly string[]): Promise<number> {
  return pauseOrResume("resume", args);
}
