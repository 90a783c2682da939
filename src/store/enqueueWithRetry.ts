import { ConflictError, StoreUnavailableError } from '../errors.js';
import { newJobId } from '../jobs/ids.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import type { JobSource } from '../jobs/JobSource.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { sleep } from '../util/sleep.js';
import type { JobStore } from './types.js';

export interface EnqueueRetryOptions {
  source: JobSource;
  /** How long connection errors are retried (0: one attempt). */
  waitMs: number;
  /** The job id (default: a new one), chosen before the first attempt so a retry cannot queue twice. */
  id?: string;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (err: StoreUnavailableError, attempt: number) => void;
}

/**
 * Opens the store and queues one job, riding out a store that is briefly unreachable (a Redis
 * restart): connection errors are retried with backoff for `waitMs`. The id is fixed up front and the
 * store refuses an existing id, so an attempt whose reply was lost cannot queue a second copy: finding
 * the same job (same spec, same intake) under the id on a later attempt is success. Closes the store.
 */
export async function enqueueWithRetry(
  open: () => Promise<JobStore>,
  spec: JobSpec,
  opts: EnqueueRetryOptions,
): Promise<JobRecord> {
  const id = opts.id ?? newJobId();
  const started = performance.now();
  let store: JobStore | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        store ??= await open();
        try {
          return await store.enqueue(spec, { id, source: opts.source });
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
          // An earlier attempt got through but its reply was lost (reading it may fail too: retried).
          const existing = await store.get(id);
          if (existing && sameJob(existing, spec, opts.source)) return existing;
          throw err;
        }
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        const waited = performance.now() - started;
        if (waited >= opts.waitMs) {
          throw new StoreUnavailableError(
            `${err.message} (gave up after ${attempt} attempt${attempt > 1 ? 's' : ''}; ` +
              `${store ? `job ${id} may or may not be queued: check with drover status ${id}` : 'nothing was queued'})`,
            { cause: err },
          );
        }
        opts.onRetry?.(err, attempt);
        await sleep(Math.min(1000, 100 * 2 ** Math.min(attempt - 1, 4), opts.waitMs - waited));
      }
    }
  } finally {
    await store?.close().catch(() => undefined);
  }
}

function sameJob(job: JobRecord, spec: JobSpec, source: JobSource): boolean {
  return canonical(job.spec) === canonical(spec) && canonical(job.source) === canonical(source);
}

/** JSON with sorted keys: the stored spec went through a parse that may order fields differently. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
