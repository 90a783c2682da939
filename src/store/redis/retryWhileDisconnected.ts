import type { Logger } from 'pino';
import { StoreError } from '../../errors.js';
import { sleep } from '../../util/sleep.js';
import { isConnectionError } from './redisConnection.js';

/**
 * Runs a write that must not be lost (terminal status, release, reading the last seq) until Redis
 * answers, backing off up to 2 s between tries, for at most maxMs; errors Redis returned on purpose
 * are thrown at once.
 */
export async function retryWhileDisconnected<T>(
  what: string,
  fn: () => Promise<T>,
  opts: { logger: Logger; maxMs: number },
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await fn();
      if (attempt > 1) opts.logger.info({ attempts: attempt }, `${what}: written after Redis returned`);
      return result;
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      if (Date.now() - started > opts.maxMs) {
        throw new StoreError(
          `${what}: Redis stayed unreachable for ${Math.round(opts.maxMs / 1000)}s (${(err as Error).message})`,
          { cause: err },
        );
      }
      if (attempt === 1 || attempt % 20 === 0) {
        opts.logger.warn({ attempt, err: (err as Error).message }, `${what}: Redis unreachable; retrying`);
      }
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
    }
  }
}
