import type { z } from 'zod';

/** Stored JSON text → its value; undefined when there is none or it is not JSON. */
export function parseStoredJson(raw: string | null | undefined): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Stored JSON read back through its schema: undefined when missing, not JSON or off-schema (never trusted). */
export function readStoredJson<S extends z.ZodType>(
  schema: S,
  raw: string | null | undefined,
): z.output<S> | undefined {
  const parsed = schema.safeParse(parseStoredJson(raw));
  return parsed.success ? parsed.data : undefined;
}
