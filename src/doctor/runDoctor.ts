import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../store/openStore.js';
import type { JobStore } from '../store/types.js';
import { checkAgents, checkGitToken } from './agentChecks.js';
import { checkDisk, checkLeftoverWorkspaces, checkWritable } from './storageChecks.js';
import { checkGit, checkNode, checkSandbox } from './toolChecks.js';
import type { CheckResult, DoctorSetup } from './types.js';

/** Every check a runner on this machine needs, in a stable order. */
export async function runDoctor(setup: DoctorSetup): Promise<CheckResult[]> {
  const [git, sandbox, agents, dataDir, workDir, disk] = await Promise.all([
    checkGit(setup.env),
    checkSandbox(setup),
    checkAgents(setup.env),
    checkWritable('data dir', setup.dataDir, 'DROVER_DATA_DIR (or --data-dir)'),
    checkWritable('work dir', setup.workDir, 'DROVER_WORK_DIR'),
    checkDisk([setup.dataDir, setup.workDir]),
  ]);
  const { result: store, opened } = await checkStore(setup, dataDir.status === 'ok');
  try {
    const workspaces = await checkLeftoverWorkspaces(setup.workDir, await runningJobs(store, opened));
    return [
      checkNode(),
      git,
      sandbox,
      ...agents,
      checkGitToken(setup.env),
      dataDir,
      workDir,
      disk,
      store,
      workspaces,
    ];
  } finally {
    await opened?.close().catch(() => {});
  }
}

/** Short ids of the running jobs (none when there is no store yet; undefined when it cannot be asked). */
async function runningJobs(
  check: CheckResult,
  store: JobStore | undefined,
): Promise<Set<string> | undefined> {
  if (!store) return check.status === 'ok' ? new Set() : undefined;
  const page = await store.list({ status: 'running', limit: 500 }).catch(() => undefined);
  return page ? new Set(page.jobs.map((j) => j.id.slice(0, 8))) : undefined;
}

/** The store answers: Redis when configured (required), else the embedded store opens. */
async function checkStore(
  setup: DoctorSetup,
  dataDirUsable: boolean,
): Promise<{ result: CheckResult; opened?: JobStore }> {
  const redis = setup.redisUrl;
  if (!redis && !dataDirUsable) {
    return {
      result: { name: 'store', status: 'fail', detail: 'the embedded store needs a writable data dir' },
    };
  }
  // Asking must not create it: a fresh machine's store is made by its first job.
  if (!redis && !existsSync(join(setup.dataDir, 'drover.db'))) {
    return {
      result: {
        name: 'store',
        status: 'ok',
        detail: `embedded store: made at ${setup.dataDir}/drover.db by the first job`,
      },
    };
  }
  try {
    const store = await openStore({
      dataDir: setup.dataDir,
      ...(redis ? { redisUrl: redis } : {}),
      ...(setup.redisPrefix ? { redisPrefix: setup.redisPrefix } : {}),
    });
    await store.ping();
    const detail = redis
      ? `Redis answers (${maskUrl(redis)})`
      : `embedded store at ${setup.dataDir}/drover.db`;
    return { result: { name: 'store', status: 'ok', detail }, opened: store };
  } catch (err) {
    return {
      result: {
        name: 'store',
        status: 'fail',
        detail: (err as Error).message,
        fix: redis
          ? 'start Redis or fix DROVER_REDIS_URL / --redis (redis://[user:password@]host:port[/db])'
          : 'check the data dir (a newer Drover’s database, or a damaged file)',
      },
    };
  }
}

function maskUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
