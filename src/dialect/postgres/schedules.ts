/**
 * STUB until migration 8 (schedules, issue 17a) lands here: every schedule statement refuses
 * with a clear error on PostgreSQL. The owner of schedules replaces this file (and adds
 * migration 8).
 *
 * @internal
 * @module
 */
import { QueueDatabaseError } from "../../errors.ts";
import type { ScheduleStatements } from "../schedules.ts";

const notYet = (): never => {
  throw new QueueDatabaseError("schedules are not available on PostgreSQL yet (schema migration 8)", { kind: "sql" });
};

/** The stub {@link ScheduleStatements} of the PostgreSQL dialect. */
export const postgresSchedules: ScheduleStatements = Object.freeze({
  upsertSchedule: notYet,
  selectSchedules: notYet,
  selectSchedule: notYet,
  deleteSchedule: notYet,
  setScheduleEnabled: notYet,
  selectDueSchedules: notYet,
  fireSchedule: notYet,
});
