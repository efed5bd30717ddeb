/**
 * `postgresDialect`: the queue's SQL for PostgreSQL ≥ 13, one file per operation in this folder,
 * mirroring the SQLite dialect's layout. Statements use `?` placeholders like every dialect;
 * the PostgreSQL drivers (`@prismq/queue/postgres`, `@prismq/queue/pglite`) number them
 * (`./placeholders.ts`). Times are `timestamptz` columns, read and written as the core's UTC
 * text; JSON columns are `jsonb`; ids are `bigint`. Claims lock with `FOR UPDATE SKIP LOCKED`.
 *
 * @module
 */
import type { QueueDialect } from "../dialect.ts";
import { cancelTaskLogged, requeueTaskLogged } from "./cancel-retry.ts";
import { claimOrdered, claimWeightedRandom } from "./claim.ts";
import { insertTask, insertTasks, selectIdByIdempotencyKey } from "./enqueue.ts";
import { insertTaskLog, insertTaskLogIfChanged } from "./log.ts";
import * as m from "./maintenance.ts";
import * as metrics from "./metrics.ts";
import { completeMany, completeTask, finishFailed, releaseTask, retryTask } from "./outcome.ts";
import { purgeCompletedBefore } from "./purge.ts";
import * as read from "./read.ts";
import { reclaimExpired, reclaimTasks } from "./reclaim.ts";
import { renewLease } from "./renew.ts";
import { postgresFeatures } from "./features.ts";
import { postgresSchedules } from "./schedules.ts";
import { postgresSchema } from "./schema.ts";
import { deleteTaskLogsBefore, selectTaskLogs } from "./task-logs.ts";
import * as w from "./workers.ts";

/** The PostgreSQL implementation of {@link QueueDialect}: pass it as `QueueDatabase.open(driver, { dialect })`. */
export const postgresDialect: QueueDialect = Object.freeze({
  name: "postgres",
  transitions: Object.freeze({
    insertTask,
    insertTasks,
    selectIdByIdempotencyKey,
    claimOrdered,
    claimWeightedRandom,
    renewLease,
    completeTask,
    completeMany,
    releaseTask,
    retryTask,
    finishFailed,
    reclaimTasks,
    reclaimExpired,
    reclaimStaleWorkerTasks: w.reclaimStaleWorkerTasks,
    cancelTask: cancelTaskLogged,
    retryFinishedTask: requeueTaskLogged,
    purgeCompletedBefore,
  }),
  reads: Object.freeze({
    selectTask: read.selectTask,
    selectTasksByIds: read.selectTasksByIds,
    taskColumns: read.taskColumns,
    listTasks: read.listTasks,
    countByStatus: read.countByStatus,
    countInStatus: read.countInStatus,
    countQueuedByType: read.countQueuedByType,
    countActive: read.countActive,
    anyActive: read.anyActive,
    selectActiveIds: read.selectActiveIds,
    oldestWaitingSince: read.oldestWaitingSince,
  }),
  observability: Object.freeze({
    insertTaskLog,
    insertTaskLogIfChanged,
    selectTaskLogs,
    deleteTaskLogsBefore,
    upsertWorker: w.upsertWorker,
    touchWorker: w.touchWorker,
    deleteWorker: w.deleteWorker,
    selectWorkers: w.selectWorkers,
    countWorkers: w.countWorkers,
    deleteStaleWorkers: w.deleteStaleWorkers,
    selectWorkerSummaries: w.selectWorkerSummaries,
    workerHeartbeats: metrics.workerHeartbeats,
    countFinishedSince: metrics.countFinishedSince,
    retryFiguresSince: metrics.retryFiguresSince,
    completedDurationsSince: metrics.completedDurationsSince,
    workerActivitySince: metrics.workerActivitySince,
  }),
  maintenance: Object.freeze({
    checkpointModes: m.CHECKPOINT_MODES,
    walCheckpoint: m.walCheckpoint,
    analyze: m.analyze,
    vacuum: m.vacuum,
    optimize: m.optimize,
    integrityCheck: m.integrityCheck,
    quickCheck: m.quickCheck,
    storageFigure: m.storageFigure,
    connectionSetting: m.connectionSetting,
    countRows: m.countRows,
    databaseList: m.databaseList,
    snapshotInto: m.snapshotInto,
  }),
  schema: postgresSchema,
  schedules: postgresSchedules,
  features: postgresFeatures,
});
