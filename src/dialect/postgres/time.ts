/**
 * How PostgreSQL statements read and write stored times. Columns are `timestamptz`; a time
 * parameter arrives as the core's UTC text (`YYYY-MM-DD HH:MM:SS.SSS`) and is read as UTC
 * whatever the session's `TimeZone` ({@link TS}); a time spliced into text (a reclaim reason) is
 * written in the same text form ({@link TIME_TEXT}).
 *
 * @internal
 * @module
 */

/** A time parameter: the core's UTC text, read as UTC (never the session's zone). */
export const TS: string = `(CAST(? AS timestamp) AT TIME ZONE 'UTC')`;

/** A `timestamptz` column as the core's stored text, for string concatenation. */
export const TIME_TEXT = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')`;
