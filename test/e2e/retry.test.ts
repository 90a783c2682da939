import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover, spawnDrover } from '../support/drover.js';
import { type BareRepo, commitLog, createBareRepo, readFileAtRef } from '../support/gitRepos.js';
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

describe('retries and existing branches', () => {
  it('a retry of a job that already pushed replaces its own push instead of failing or stacking commits', async () => {
    const dataDir = join(root, 'data');
    const agent = 'date +%s%N > stamp.txt';
    const first = JSON.parse(
      (
        await runDrover([
          'run',
          '--repo',
          repo.bareDir,
          '--prompt',
          'stamp',
          '--agent-cmd',
          agent,
          '--json',
          '--data-dir',
          dataDir,
        ])
      ).stdout,
    );
    expect(first.status).toBe('succeeded');
    // Simulate a runner that died after the push but before it recorded the outcome.
    const db = new Database(join(dataDir, 'drover.db'));
    db.prepare(`UPDATE jobs SET status = 'queued', finished_at = NULL, runner_id = NULL WHERE id = ?`).run(
      first.id,
    );
    db.close();

    const worker = spawnDrover(['worker', '--data-dir', dataDir]);
    const second = await waitFor(
      async () => {
        const s = JSON.parse((await runDrover(['status', first.id, '--json', '--data-dir', dataDir])).stdout);
        return s.status === 'queued' || s.status === 'running' ? undefined : s;
      },
      60_000,
      'the retry to finish',
    );
    worker.child.kill('SIGTERM');
    await worker.done;
    expect(second).toMatchObject({ status: 'succeeded', attempts: 2, branch: first.branch });
    expect(second.commit).not.toBe(first.commit);
    const log = await commitLog(repo.bareDir, `main..${first.branch}`);
    expect(log).toHaveLength(1);
    expect(log[0]?.sha).toBe(second.commit);
    const retryLog = (await runDrover(['logs', first.id, '--data-dir', dataDir])).stdout;
    expect(retryLog).toContain('holds an earlier attempt of this job; starting again from the base');
  });

  it('a new job on an existing branch continues it; --reset-branch starts over from the base', async () => {
    const dataDir = join(root, 'data2');
    const run = async (...args: string[]) =>
      JSON.parse(
        (
          await runDrover([
            'run',
            '--repo',
            repo.bareDir,
            '--branch',
            'feature/shared',
            '--json',
            '--data-dir',
            dataDir,
            ...args,
          ])
        ).stdout,
      );
    const a = await run('--prompt', 'first', '--agent-cmd', 'echo one > one.txt');
    const b = await run('--prompt', 'follow-up', '--agent-cmd', 'echo two > two.txt');
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect((await commitLog(repo.bareDir, 'main..feature/shared')).map((c) => c.sha)).toEqual([
      b.commit,
      a.commit,
    ]);
    expect(await readFileAtRef(repo.bareDir, 'feature/shared', 'one.txt')).toBe('one\n');
    const c = await run('--prompt', 'again', '--agent-cmd', 'echo three > three.txt', '--reset-branch');
    expect(c.status).toBe('succeeded');
    expect((await commitLog(repo.bareDir, 'main..feature/shared')).map((x) => x.sha)).toEqual([c.commit]);
    expect(await readFileAtRef(repo.bareDir, 'feature/shared', 'one.txt')).toBeUndefined();
  });

  it('a retry of a follow-up job starts again where that job began, keeping the commits it continued', async () => {
    const dataDir = join(root, 'data3');
    const run = async (...args: string[]) =>
      JSON.parse(
        (
          await runDrover([
            'run',
            '--repo',
            repo.bareDir,
            '--branch',
            'feature/stacked',
            '--json',
            '--data-dir',
            dataDir,
            ...args,
          ])
        ).stdout,
      );
    const a = await run('--prompt', 'first', '--agent-cmd', 'echo one > one.txt');
    // The follow-up commits once itself (no trailer) and leaves more for Drover's commit.
    const b = await run(
      '--prompt',
      'follow-up',
      '--agent-cmd',
      'echo two > two.txt && git add two.txt && git -c user.name=a -c user.email=a@x commit -qm own && date +%s%N > stamp.txt',
    );
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(await commitLog(repo.bareDir, 'main..feature/stacked')).toHaveLength(3);
    const db = new Database(join(dataDir, 'drover.db'));
    db.prepare(`UPDATE jobs SET status = 'queued', finished_at = NULL, runner_id = NULL WHERE id = ?`).run(
      b.id,
    );
    db.close();

    const worker = spawnDrover(['worker', '--data-dir', dataDir]);
    const retried = await waitFor(
      async () => {
        const s = JSON.parse((await runDrover(['status', b.id, '--json', '--data-dir', dataDir])).stdout);
        return s.status === 'queued' || s.status === 'running' ? undefined : s;
      },
      60_000,
      'the retry to finish',
    );
    worker.child.kill('SIGTERM');
    await worker.done;
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
