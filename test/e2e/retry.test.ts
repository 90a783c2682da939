import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover, spawnDrover } from '../support/drover.js';
import { type BareRepo, commitLog, createBareRepo, readFileAtRef } from '../support/gitRepos.js';
import { jobLog, logArtifactText } from '../support/jobLog.js';
import { waitFor } from '../support/processes.js';

let repo: BareRepo;
let root: string;

beforeAll(async () => {
  repo = await createBareRepo();
  root = mkdtempSync(join(tmpdir(), 'drover-retry-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(root, { recursive: true, force: true });
});

/** `drover run --json` on the test repo; the job record it prints. */
async function run(dataDir: string, ...args: string[]) {
  const out = await runDrover(['run', '--repo', repo.bareDir, '--json', '--data-dir', dataDir, ...args]);
  return JSON.parse(out.stdout);
}

/**
 * Puts a finished job back in the queue as a runner that died after its push but before it recorded
 * the outcome leaves it, then lets a worker retry it; the record once the retry has ended.
 */
async function retryAfterLostOutcome(dataDir: string, jobId: string) {
  const db = new Database(join(dataDir, 'drover.db'));
  db.prepare(`UPDATE jobs SET status = 'queued', finished_at = NULL, runner_id = NULL WHERE id = ?`).run(
    jobId,
  );
  db.close();
  const worker = spawnDrover(['worker', '--data-dir', dataDir]);
  try {
    return await waitFor(
      async () => {
        const s = JSON.parse((await runDrover(['status', jobId, '--json', '--data-dir', dataDir])).stdout);
        return s.status === 'queued' || s.status === 'running' ? undefined : s;
      },
      60_000,
      'the retry to finish',
    );
  } finally {
    worker.child.kill('SIGTERM');
    await worker.done;
  }
}

describe('retries and existing branches', () => {
  it('a retry of a job that already pushed replaces its own push instead of failing or stacking commits', async () => {
    const dataDir = join(root, 'data');
    const agent = 'date +%s%N > stamp.txt';
    const first = await run(dataDir, '--prompt', 'stamp', '--agent-cmd', agent);
    expect(first.status).toBe('succeeded');
    const second = await retryAfterLostOutcome(dataDir, first.id);
    expect(second).toMatchObject({ status: 'succeeded', attempts: 2, branch: first.branch });
    expect(second.commit).not.toBe(first.commit);
    const log = await commitLog(repo.bareDir, `main..${first.branch}`);
    expect(log).toHaveLength(1);
    expect(log[0]?.sha).toBe(second.commit);
    const retryLog = (await runDrover(['logs', first.id, '--data-dir', dataDir])).stdout;
    expect(retryLog).toContain('holds an earlier attempt of this job; starting again from the base');
    // The log artifact, written while the retry ran, starts with the first attempt's output.
    const artifact = readFileSync(join(dataDir, 'artifacts', first.id, 'log.txt'), 'utf8');
    const entries = await jobLog(first.id, dataDir);
    expect(entries.filter((e) => e.type === 'end')).toHaveLength(2);
    expect(artifact).toBe(logArtifactText(entries));
    expect(artifact.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /gm, '')).toBe(retryLog);
  });

  it('a new job on an existing branch continues it; --reset-branch starts over from the base', async () => {
    const dataDir = join(root, 'data2');
    const onBranch = (...args: string[]) => run(dataDir, '--branch', 'feature/shared', ...args);
    const a = await onBranch('--prompt', 'first', '--agent-cmd', 'echo one > one.txt');
    const b = await onBranch('--prompt', 'follow-up', '--agent-cmd', 'echo two > two.txt');
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect((await commitLog(repo.bareDir, 'main..feature/shared')).map((c) => c.sha)).toEqual([
      b.commit,
      a.commit,
    ]);
    expect(await readFileAtRef(repo.bareDir, 'feature/shared', 'one.txt')).toBe('one\n');
    const c = await onBranch('--prompt', 'again', '--agent-cmd', 'echo three > three.txt', '--reset-branch');
    expect(c.status).toBe('succeeded');
    expect((await commitLog(repo.bareDir, 'main..feature/shared')).map((x) => x.sha)).toEqual([c.commit]);
    expect(await readFileAtRef(repo.bareDir, 'feature/shared', 'one.txt')).toBeUndefined();
  });

  it('a retry of a follow-up job starts again where that job began, keeping the commits it continued', async () => {
    const dataDir = join(root, 'data3');
    const onBranch = (...args: string[]) => run(dataDir, '--branch', 'feature/stacked', ...args);
    const a = await onBranch('--prompt', 'first', '--agent-cmd', 'echo one > one.txt');
    // The follow-up commits once itself (no trailer) and leaves more for Drover's commit.
    const b = await onBranch(
      '--prompt',
      'follow-up',
      '--agent-cmd',
      'echo two > two.txt && git add two.txt && git -c user.name=a -c user.email=a@x commit -qm own && date +%s%N > stamp.txt',
    );
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(await commitLog(repo.bareDir, 'main..feature/stacked')).toHaveLength(3);
    const retried = await retryAfterLostOutcome(dataDir, b.id);
    expect(retried).toMatchObject({ status: 'succeeded', attempts: 2 });
    const log = await commitLog(repo.bareDir, 'main..feature/stacked');
    // The first job's commit is kept; the retry replaced only its own two commits.
    expect(log.map((c) => c.subject)).toEqual([log[0]!.subject, 'own', log[2]!.subject]);
    expect(log[2]!.sha).toBe(a.commit);
    expect(log[0]!.sha).toBe(retried.commit);
    expect(retried.commit).not.toBe(b.commit);
    expect(await readFileAtRef(repo.bareDir, 'feature/stacked', 'one.txt')).toBe('one\n');
    const retryLog = (await runDrover(['logs', b.id, '--data-dir', dataDir])).stdout;
    expect(retryLog).toContain(`starting again from ${a.commit.slice(0, 12)}, where that attempt began`);
  });
});
