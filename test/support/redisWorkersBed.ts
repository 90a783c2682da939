import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type BareRepo, createBareRepo } from './gitRepos.js';
import { type RedisServer, startRedisServer } from './redisServer.js';

// What the many-workers Redis end-to-end files share: a persistent redis-server (a test may stop and
// start it), a raw client that rides that out, a bare repo, a temp dir, and every worker process the
// test spawns, SIGKILLed at the end.

/** An output stream entry's fields as Redis holds them (strings; a field an entry lacks reads as undefined). */
export type OutputFields = Record<string, string> & {
  seq: string;
  type: string;
  stream: string;
  line: string;
};

export interface RedisWorkersBed {
  server: RedisServer;
  raw: Redis;
  repo: BareRepo;
  tmp: string;
  /** Kills the process at close if it is still running. */
  track<T extends { child: ChildProcess; done: Promise<unknown> }>(proc: T): T;
  /** A job's output stream entries (XRANGE), each as an object of its fields. */
  output(prefix: string, id: string): Promise<OutputFields[]>;
  close(): Promise<void>;
}

export async function startRedisWorkersBed(tmpPrefix: string): Promise<RedisWorkersBed> {
  const server = await startRedisServer({ persistent: true });
  let repo: BareRepo;
  let tmp: string;
  try {
    repo = await createBareRepo();
    tmp = await mkdtemp(join(tmpdir(), tmpPrefix));
  } catch (err) {
    await server.cleanup();
    throw err;
  }
  const raw = new Redis(server.url, { protocol: 2, maxRetriesPerRequest: null });
  raw.on('error', () => {}); // a test may restart the server under it
  const children = new Set<ChildProcess>();
  return {
    server,
    raw,
    repo,
    tmp,
    track(proc) {
      children.add(proc.child);
      void proc.done.then(() => children.delete(proc.child));
      return proc;
    },
    async output(prefix, id) {
      const entries = await raw.xrange(`${prefix}job:${id}:output`, '-', '+');
      return entries.map(([, f]) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < f.length; i += 2) fields[f[i]!] = f[i + 1]!;
        return fields as OutputFields;
      });
    },
    async close() {
      for (const child of children) child.kill('SIGKILL');
      raw.disconnect();
      await server.cleanup();
      await repo.cleanup();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
