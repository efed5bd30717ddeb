/**
 * `?` → `$1…$n`: every dialect (and a user's own SQL through `QueueDatabase.execute`) writes
 * positional `?` placeholders; PostgreSQL numbers them. The PostgreSQL drivers translate a
 * statement's text when it has parameters, skipping quoted strings, quoted identifiers,
 * dollar-quoted bodies and comments. A statement without parameters is sent as written, so
 * jsonb's `?` operators still work there; with parameters, write `jsonb_exists()` instead.
 *
 * @internal
 * @module
 */

const cache = new Map<string, string>();
const CACHE_LIMIT = 2000;

/** `sql` with each placeholder `?` outside quotes and comments numbered `$1`, `$2`, … */
export function numberPlaceholders(sql: string): string {
  const hit = cache.get(sql);
  if (hit !== undefined) return hit;
  let out = "";
  let n = 0;
  let i = 0;
  let start = 0;
  const len = sql.length;
  while (i < len) {
    const c = sql[i]!;
    if (c === "?") {
      out += sql.slice(start, i) + "$" + String(++n);
      start = ++i;
    } else if (c === "'" || c === '"') {
      // '' and "" are escaped quotes: the scan just re-enters the quoted text.
      const end = sql.indexOf(c, i + 1);
      i = end === -1 ? len : end + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? len : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? len : end + 2;
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64));
      if (tag !== null && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? len : end + tag[0].length;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  const text = n === 0 ? sql : out + sql.slice(start);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(sql, text);
  return text;
}

/** True for text that opens a transaction (`BEGIN`, `START TRANSACTION`). */
export function opensTransaction(sql: string): boolean {
  return /^\s*(BEGIN|START\s+TRANSACTION)\b/i.test(sql);
}

/** True for text that ends one (`COMMIT`, `ROLLBACK`, `END`, `ABORT`, but not `ROLLBACK TO`). */
export function endsTransaction(sql: string): boolean {
  return /^\s*(COMMIT|END|ABORT)\b/i.test(sql) || /^\s*ROLLBACK\s*(;|$|AND\b|WORK\b|TRANSACTION\b)/i.test(sql);
}
