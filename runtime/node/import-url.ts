/**
 * Loading a module the user names at run time (the worker's handlers module).
 *
 * @module
 */

/**
 * Imports the module at an absolute `file:` URL. The import lives in a `Function` body so that
 * `deno publish` does not see an `import()` of a run-time value: it warns that such an import
 * cannot be analysed (JSR cannot rewrite it), which is moot for an absolute URL the user chose.
 * Node (ESM and CommonJS), Deno and Bun all load it with their default loader.
 *
 * @internal
 */
export const importByUrl: (url: string) => Promise<Record<string, unknown>> = new Function(
  "url",
  "return import(url)",
) as (url: string) => Promise<Record<string, unknown>>;
