import type { JobStore, Lease } from '../../src/store/types.js';

/**
 * Plays a worker that picks one particular queued job: claims queued jobs until it gets `jobId`,
 * then puts the others back (release does not count as an attempt). Undefined when it is not queued.
 */
export async function claimJob(
  store: JobStore,
  jobId: string,
  opts: { runnerId?: string; leaseMs?: number } = {},
): Promise<Lease | undefined> {
  const others: Lease[] = [];
  let found: Lease | undefined;
  try {
    for (let i = 0; i < 1000 && !found; i++) {
      const lease = await store.claim(opts.runnerId ?? 'test-worker', {
        leaseMs: opts.leaseMs ?? 60_000,
        waitMs: 0,
      });
      if (!lease) break;
      if (lease.job.id === jobId) found = lease;
      else others.push(lease);
    }
  } finally {
    for (const other of others) await other.release('claimed by a test looking for another job');
  }
  return found;
}
