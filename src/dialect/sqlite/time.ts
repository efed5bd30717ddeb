/**
 * How SQLite statements compare stored times.
 *
 * @internal
 * @module
 */

/**
 * A stored time as `YYYY-MM-DD HH:MM:SS.SSS` text. The seeds write `YYYY-MM-DD HH:MM:SS`, which
 * sorts before `.000` of the same second, so comparing raw text against a millisecond cut-off
 * would call such a row older than it is by up to a second. `workers` is small and the logs'
 * cut-off scan reads every row anyway, so no index is lost by normalising.
 */
export const SQL_MS_TIME = (column: string): string => `strftime('%Y-%m-%d %H:%M:%f', ${column})`;
