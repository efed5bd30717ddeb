/**
 * Runs `cli/commands/serve.ts` as its own process, as the CLI dispatcher will
 * (`prismq serve ARGS`), for the tests that spawn a server.
 */
import { run } from "../../cli/commands/serve.ts";

process.exitCode = await run(process.argv.slice(2));
