import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover, spawnDrover } from '../support/drover.js';
import { type BareRepo, createBareRepo, listBranches } from '../support/gitRepos.js';
import { processesMatching, trackPeakRss, waitFor } from '../support/processes.js';

let repo: BareRepo;
let dataDir: string;
let workDir: string;
const env = () => ({ DROVER_WORK_DIR: workDir, DROVER_KILL_GRACE: '1s' });
const job = (...args: string[]) => ['run', '--repo', repo.bareDir, '--data-dir', dataDir, '--json', ...args];

beforeAll(async () => {
  repo = await createBareRepo();
  dataDir = mkdtempSync(join(tmpdir(), 'drover-sup-data-'));
  workDir = mkdtempSync(join(tmpdir(), 'drover-sup-work-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('supervision', () => {
  it('stops a hanging agent at the timeout and leaves no process behind', async () => {
    const marker = `${process.pid}1001`;
    const res = await runDrover(
      job(
        '--prompt',
        'hang',
        '--agent-cmd',
        `sleep ${marker} & sleep ${marker}`,
        '--timeout',
        '2s',
        '--idle-timeout',
        '1m',
      ),
      { env: env() },
    );
    expect(res.code).toBe(1);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'timed_out', errorKind: 'timeout' });
    expect(record.errorMessage).toMatch(/timeout/);
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('stops a silent agent on the idle watchdog, a status distinct from the timeout', async () => {
    const res = await runDrover(
      job(
        '--prompt',
        'silent',
        '--agent-cmd',
        'echo started; sleep 600',
        '--timeout',
        '5m',
        '--idle-timeout',
        '2s',
      ),
      { env: env() },
    );
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'timed_out', errorKind: 'idle_timeout' });
    expect(record.errorMessage).toMatch(/no activity for 2\.0s/);
    expect(processesMatching('sleep 600').filter((p) => p.cmdline === 'sleep 600')).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('stores a 200 MB flood and a 50 MB single line with bounded memory, in order', async () => {
    // 200k lines of 1000 chars, then one 50 MB line without a newline.
    const flood = [
      'yes "$(printf "%01000d" 7)" | head -n 200000',
      'head -c 50000000 /dev/zero | tr "\\0" "a"',
      'echo; echo done > flood.txt',
    ].join('; ');
    // A 96 MB heap cap makes "bounded" strict: if Drover held the flood in memory it would crash, and
    // garbage cannot inflate the RSS sample when other tests load the machine.
    const run = spawnDrover(job('--prompt', 'flood', '--agent-cmd', flood, '--timeout', '5m'), {
      env: { ...env(), NODE_OPTIONS: '--max-old-space-size=96' },
      timeoutMs: 280_000,
    });
    const rss = trackPeakRss(run.child.pid!);
    const res = await run.done;
    const peak = rss.stop();
    expect(res.stdout, `exit ${res.code} ${res.signal}: ${res.stderr.slice(-2000)}`).not.toBe('');
    const record = JSON.parse(res.stdout);
    expect(record.status).toBe('succeeded');
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(300 * 1024 * 1024);
    const logs = (
      await runDrover(['logs', record.id, '--json', '--data-dir', dataDir], { timeoutMs: 120_000 })
    ).stdout;
    let lines = 0;
    let longest = 0;
    let giant = 0;
    let lastSeq = 0;
    for (const text of logs.split('\n')) {
      if (!text) continue;
      const entry = JSON.parse(text);
      expect(entry.seq).toBe(lastSeq + 1);
      lastSeq = entry.seq;
      if (entry.stream !== 'stdout') continue;
      lines++;
      longest = Math.max(longest, entry.line.length);
      if (entry.line.startsWith('aaaa')) giant += entry.line.length;
    }
    expect(lines).toBeGreaterThan(200_000);
    expect(giant).toBe(50_000_000);
    expect(longest).toBeLessThanOrEqual(16_384);
  }, 300_000);

  it('SIGINT on drover run stops the agent, records the job as cancelled and exits non-zero', async () => {
    const marker = `${process.pid}1002`;
    const run = spawnDrover(job('--prompt', 'x', '--agent-cmd', `echo working; sleep ${marker}`), {
      env: env(),
    });
    await waitFor(() => processesMatching(`sleep ${marker}`).length > 0, 30_000, 'the agent to start');
    run.child.kill('SIGINT');
    const res = await run.done;
    expect(res.code).toBe(1);
    const record = JSON.parse(res.stdout);
    expect(record).toMatchObject({ status: 'cancelled', errorKind: 'cancelled' });
    expect(record.errorMessage).toMatch(/interrupted \(SIGINT\)/);
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
  });
});

describe('submit + worker', () => {
  it('a job whose worker dies (kill -9) is re-queued when its lease lapses and finished by another worker', async () => {
    const marker = `${process.pid}1003`;
    // The agent leaves a mark outside its workspace, which the default sandbox (private /tmp) would hide.
    const wenv = {
      ...env(),
      DROVER_LEASE: '2s',
      DROVER_LOG_LEVEL: 'warn',
      MARK_DIR: dataDir,
      DROVER_AGENT_ENV: 'MARK_DIR',
      DROVER_SANDBOX: 'none',
    };
    // The first attempt hangs (its worker gets killed); the second sees the mark and finishes.
    const agent = `if [ ! -e "$MARK_DIR/attempted" ]; then touch "$MARK_DIR/attempted"; sleep ${marker}; fi; echo done > worked.txt`;
    const submitted = await runDrover(
      [
        'submit',
        '--repo',
        repo.bareDir,
        '--data-dir',
        dataDir,
        '--prompt',
        'survive',
        '--agent-cmd',
        agent,
        // The mark lives outside the workspace, which the default sandbox would (rightly) not let it write.
        '--sandbox',
        'none',
        '--json',
      ],
      { env: wenv },
    );
    expect(submitted.code).toBe(0);
    const id = JSON.parse(submitted.stdout).id as string;

    const first = spawnDrover(['worker', '--data-dir', dataDir], {
      env: { ...wenv, DROVER_RUNNER_ID: 'doomed' },
    });
    await waitFor(
      () => processesMatching(`sleep ${marker}`).length > 0,
      30_000,
      'the first attempt to start',
    );
    first.child.kill('SIGKILL');
    await first.done;
    // The orphaned agent is killed too (it would be by a real reboot); the job itself must survive.
    for (const p of processesMatching(`sleep ${marker}`)) process.kill(p.pid, 'SIGKILL');

    const second = spawnDrover(['worker', '--data-dir', dataDir], {
      env: { ...wenv, DROVER_RUNNER_ID: 'rescuer' },
    });
    const record = await waitFor(
      async () => {
        const s = JSON.parse((await runDrover(['status', id, '--json', '--data-dir', dataDir])).stdout);
        return s.status === 'succeeded' || s.status === 'failed' ? s : undefined;
      },
      60_000,
      'the job to finish on the second worker',
    );
    second.child.kill('SIGTERM');
    const stopped = await second.done;
    expect(stopped.code).toBe(0);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 2, runnerId: 'rescuer' });
    expect(await listBranches(repo.bareDir)).toContain(record.branch);
  });

  it('SIGTERM drains: an in-flight job is re-queued, not failed, and the worker exits non-zero', async () => {
    const marker = `${process.pid}1004`;
    const wenv = { ...env(), DROVER_LOG_LEVEL: 'warn' };
    const submitted = await runDrover(
      [
        'submit',
        '--repo',
        repo.bareDir,
        '--data-dir',
        dataDir,
        '--prompt',
        'x',
        '--agent-cmd',
        `sleep ${marker}`,
      ],
      { env: wenv },
    );
    const id = submitted.stdout.trim();
    const worker = spawnDrover(['worker', '--data-dir', dataDir, '--drain-timeout', '1s'], { env: wenv });
    await waitFor(() => processesMatching(`sleep ${marker}`).length > 0, 30_000, 'the job to start');
    worker.child.kill('SIGTERM');
    const res = await worker.done;
    expect(res.code).toBe(1);
    const record = JSON.parse((await runDrover(['status', id, '--json', '--data-dir', dataDir])).stdout);
    expect(record).toMatchObject({ status: 'queued', errorKind: null });
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    await runDrover(['cancel', id, '--data-dir', dataDir]);
    expect(JSON.parse((await runDrover(['status', id, '--json', '--data-dir', dataDir])).stdout).status).toBe(
      'cancelled',
    );
  });
});
