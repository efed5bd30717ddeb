/**
 * Former path of the observability statements and JSON codecs, kept for importers outside the
 * core's own folders (`src/http/store.ts`). The statements live in `src/dialect/sqlite/`.
 *
 * @internal
 * @module
 */
export { decodeJson, encodeJsonObject } from "../dialect/json.ts";
export { insertTaskLog, insertTaskLogIfChanged, type TaskLogRow } from "../dialect/sqlite/log.ts";
export { deleteTaskLogsBefore, selectTaskLogs, type TaskLogFilter } from "../dialect/sqlite/task-logs.ts";
export {
  countWorkers,
  deleteStaleWorkers,
  deleteWorker,
  reclaimStaleWorkerTasks,
  selectWorkers,
  selectWorkerSummaries,
  type StaleReclaim,
  touchWorker,
  upsertWorker,
  type WorkerFilter,
} from "../dialect/sqlite/workers.ts";
export { countQueuedByType } from "../dialect/sqlite/read.ts";
