import { isOneOf } from '../util/isOneOf.js';
import { parseStoredJson } from '../util/storedJson.js';
import { INTAKES } from './intakes.js';
import type { JobSource } from './JobSource.js';

type Check = (value: unknown) => boolean;
const text =
  (max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length <= max;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    isOneOf(values, v);
const count =
  (min: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min;

// The same rules as the JobSource schema (a test holds the two to agreeing), without zod: every job
// read from the embedded store passes through here, and `drover status` should not load a validator.
const FIELDS: Record<keyof JobSource, Check> = {
  intake: oneOf(INTAKES),
  forge: oneOf(['github', 'gitlab']),
  repo: text(500),
  kind: oneOf(['issue', 'pr']),
  number: count(0),
  commentId: (v) => (typeof v === 'number' && Number.isFinite(v)) || text(200)(v),
  deliveryId: text(200),
  author: text(200),
  url: text(2048),
  installationId: count(1),
  plan: text(200),
  task: text(200),
  role: oneOf(['executor', 'reviewer', 'planner']),
  taskId: text(200),
};

/** Reads a stored source; anything unreadable or off-schema is treated as unknown (null), never trusted. */
export function parseStoredSource(raw: string | null | undefined): JobSource | null {
  const value = parseStoredJson(raw);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const fields = value as Record<string, unknown>;
  if (fields.intake === undefined) return null;
  const source: Record<string, unknown> = {};
  for (const [key, check] of Object.entries(FIELDS)) {
    const v = fields[key];
    if (v === undefined) continue;
    if (!check(v)) return null;
    source[key] = v;
  }
  return source as JobSource;
}
