import { parseDuration } from '../config/duration.js';
import { InvalidInputError } from '../errors.js';

export function parseDrainTimeout(value: string): number {
  try {
    return parseDuration(value, { allowZero: true });
  } catch (err) {
    throw new InvalidInputError(`--drain-timeout: ${(err as Error).message}`, [
      { path: '--drain-timeout', message: (err as Error).message },
    ]);
  }
}
