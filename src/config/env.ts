/**
 * The `PRISMQ_*` environment overrides, derived from the config schema: every key (nested
 * tables included) gets a variable named after its path (`backoff.baseMs` →
 * `PRISMQ_BACKOFF_BASE_MS`) and a reading rule from its zod type (an integer is digits only, a
 * record is JSON, an array a comma list). A few variables keep an older name, and a key can be
 * left out (pragmas have their own `PRISMQ_PRAGMA_<NAME>` family).
 *
 * @module
 */
import type * as z from "zod/mini";

/** How a variable's text is read: as is, as a plain decimal integer or number, JSON, a comma list, or true/false. */
export type EnvKind = "string" | "int" | "number" | "json" | "list" | "boolean" | "booleanOrString";

/** One environment variable and the config key it sets. */
export interface EnvOverride {
  /** The variable's name. */
  readonly name: string;
  /** The config key it sets, as a path of property names. */
  readonly path: readonly string[];
  /** How its text is read. */
  readonly kind: EnvKind;
}

interface Def {
  readonly type: string;
  readonly format?: string;
  readonly innerType?: { readonly _zod: { readonly def: Def } };
  readonly shape?: Readonly<Record<string, { readonly _zod: { readonly def: Def } }>>;
  readonly options?: readonly { readonly _zod: { readonly def: Def } }[];
}

/** `backoff.baseMs` → `PRISMQ_BACKOFF_BASE_MS`. */
function envName(path: readonly string[]): string {
  return `PRISMQ_${path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join("_")}`;
}

/** The reading rule of a field's type, or "object" for a nested table to walk into. */
function kindOf(def: Def): EnvKind | "object" {
  switch (def.type) {
    case "optional":
    case "default":
      return kindOf(def.innerType!._zod.def);
    case "number":
      return def.format === "safeint" || def.format === "int32" ? "int" : "number";
    case "boolean":
      return "boolean";
    case "record":
      return "json";
    case "array":
      return "list";
    case "object":
      return "object";
    case "union":
      // `"all" | "failures" | false` (taskLogs): true/false are booleans, other text a string.
      return (def.options ?? []).some((o) => o._zod.def.type === "boolean") ? "booleanOrString" : "string";
    default:
      return "string"; // string, enum
  }
}

function shapeOf(def: Def): Def["shape"] {
  return def.type === "optional" || def.type === "default" ? shapeOf(def.innerType!._zod.def) : def.shape;
}

/**
 * The variables of every key of `schema`, in its key order. `names` renames a key's variable
 * (by dotted path), or leaves the key out with `null`.
 */
export function envOverridesOf(
  schema: z.ZodMiniObject,
  names: Readonly<Record<string, string | null>> = {},
): readonly EnvOverride[] {
  const out: EnvOverride[] = [];
  const walk = (shape: Def["shape"], prefix: readonly string[]): void => {
    for (const [key, field] of Object.entries(shape ?? {})) {
      const path = [...prefix, key];
      const named = names[path.join(".")];
      if (named === null) continue;
      const def = field._zod.def;
      const kind = kindOf(def);
      if (kind === "object") walk(shapeOf(def), path);
      else out.push({ name: named ?? envName(path), path, kind });
    }
  };
  walk(schema._zod.def.shape as unknown as Def["shape"], []);
  return out;
}
