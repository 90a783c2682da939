import type { z } from 'zod';
import { InvalidInputError } from '../errors.js';

/** Validates a webhook payload; a missing or wrong field is a 400 naming it (`body.comment.id`). */
export function parsePayload<T extends z.ZodType>(schema: T, payload: unknown, event: string): z.output<T> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 20).map((i) => ({
    path: ['body', ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new InvalidInputError(
    `The ${event} payload is not one Drover can read: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  );
}
