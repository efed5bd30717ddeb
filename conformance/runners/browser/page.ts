/**
 * The browser runner's page script: starts the conformance Worker (passing the page's query on),
 * logs each result to the console (run.ts prints them as they come) and exposes everything on
 * `window.__results` when the worker is done, or `window.__fatal` if it could not run.
 */
import type { TestResult, WorkerMessage } from "./worker.ts";

interface PageState {
  __results?: readonly TestResult[];
  __wallMs?: number;
  __fatal?: string;
}
const page = globalThis as unknown as PageState;
const out = document.getElementById("out");
const show = (line: string): void => {
  if (out !== null) out.textContent += `${line}\n`;
};

const worker = new Worker(new URL(`./worker.js${location.search}`, location.href), { type: "module" });
worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const m = event.data;
  switch (m.type) {
    case "log":
      console.log(`[prismq-log] ${m.text}`);
      show(m.text);
      break;
    case "result":
      console.log(`[prismq-result] ${JSON.stringify({ ...m.result, index: m.index, total: m.total })}`);
      show(`${m.result.ok ? "ok" : "not ok"} ${m.result.name} (${Math.round(m.result.durationMs)} ms)`);
      break;
    case "done":
      page.__wallMs = m.wallMs;
      page.__results = m.results;
      show(`done: ${m.results.filter((r) => r.ok).length} passed, ${m.results.filter((r) => !r.ok).length} failed`);
      break;
    case "fatal":
      page.__fatal = m.error;
      show(`fatal: ${m.error}`);
      break;
  }
};
worker.onerror = (event: ErrorEvent) => {
  page.__fatal = `worker error: ${event.message} (${event.filename}:${event.lineno})`;
  show(page.__fatal);
};
