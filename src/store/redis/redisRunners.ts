import { z } from 'zod';
import type { RunnerInfo } from '../types.js';

/**
 * Hash `runner:{id}` (with a TTL, refreshed by the worker's heartbeat): id, host, pid, startedAt,
 * lastSeenAt, concurrency and jobs (a JSON array of the job ids in flight).
 */
const RunnerHash = z.object({
  id: z.string().min(1),
  host: z.string(),
  pid: z.coerce.number().int(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  concurrency: z.coerce.number().int(),
  jobs: z.string(),
});

export function runnerHash(info: RunnerInfo): Record<string, string> {
  return {
    id: info.id,
    host: info.host,
    pid: String(info.pid),
    startedAt: info.startedAt,
    lastSeenAt: info.lastSeenAt,
    concurrency: String(info.concurrency),
    jobs: JSON.stringify(info.jobs),
  };
}

export function parseRunnerHash(value: unknown): RunnerInfo | undefined {
  const parsed = RunnerHash.safeParse(value);
  if (!parsed.success) return undefined;
  let jobs: string[] = [];
  try {
    const raw: unknown = JSON.parse(parsed.data.jobs);
    if (Array.isArray(raw)) jobs = raw.map(String);
  } catch {
    // A hand-written hash: show the runner without its jobs.
  }
  return { ...parsed.data, jobs };
}
