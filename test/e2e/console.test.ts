import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROVER_BIN, runDrover, spawnDrover, testEnv } from '../support/drover.js';
import { type BareRepo, createBareRepo } from '../support/gitRepos.js';
import { processesMatching, waitFor } from '../support/processes.js';

// What `drover worker` / `drover serve` (npm start) print: readable lines on a terminal, JSON lines
// otherwise (or as asked with --log-format), never both; and on Ctrl-C what happens next, then a last line.

let repo: BareRepo;
let root: string;

beforeAll(async () => {
  repo = await createBareRepo();
  root = mkdtempSync(join(tmpdir(), 'drover-console-'));
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const PRETTY = /^\[\d\d:\d\d:\d\d\] (INFO|WARN|ERROR|DEBUG): /;

async function submitSlow(dataDir: string, marker: string): Promise<string> {
  const res = await runDrover(
    [
      'submit',
      '--repo',
      repo.bareDir,
      '--data-dir',
      dataDir,
      '--prompt',
      'slow',
      '--agent-cmd',
      `sleep ${marker}; echo x > x.txt`,
    ],
    { env: { DROVER_WORK_DIR: join(root, 'work') } },
  );
  expect(res.code).toBe(0);
  return res.stdout.trim();
}

describe('console output of long-running commands', () => {
  it('worker off a terminal: JSON lines only; Ctrl-C says it drains, again stops now, then a last line', async () => {
    const dataDir = join(root, 'json');
    const marker = `${process.pid}3001`;
    const id = await submitSlow(dataDir, marker);
    const worker = spawnDrover(['worker', '--data-dir', dataDir], {
      env: { DROVER_WORK_DIR: join(root, 'work'), DROVER_LOG_LEVEL: 'info' },
    });
    let stderr = '';
    worker.child.stderr!.on('data', (d: string) => (stderr += d));
    await waitFor(() => processesMatching(`sleep ${marker}`).length > 0, 30_000, 'the job to start');
    worker.child.kill('SIGINT');
    await waitFor(() => stderr.includes('draining'), 10_000, 'the drain notice');
    worker.child.kill('SIGINT');
    const res = await worker.done;
    expect(res.code).toBe(1); // a job was interrupted (it is queued again)
    const lines = res.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level: number; jobId?: string });
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('runner started');
    expect(lines.find((l) => l.msg === 'job started')?.jobId).toBe(id);
    expect(messages).toContain(
      'draining 1 job, up to 5m; Ctrl-C again to stop now (unfinished jobs go back to the queue)',
    );
    expect(messages).toContain('stopping now: 1 job back to the queue');
    expect(messages.at(-1)).toBe('stopped; 1 job went back to the queue');
    expect(JSON.parse((await runDrover(['status', id, '--json', '--data-dir', dataDir])).stdout).status).toBe(
      'queued',
    );
    for (const p of processesMatching(`sleep ${marker}`)) process.kill(p.pid, 'SIGKILL');
  });

  it('--log-format pretty: one readable line per event with level and job id', async () => {
    const dataDir = join(root, 'pretty');
    const id = (
      await runDrover([
        'submit',
        '--repo',
        repo.bareDir,
        '--data-dir',
        dataDir,
        '--prompt',
        'x',
        '--agent-cmd',
        'echo x > x.txt',
      ])
    ).stdout.trim();
    const worker = spawnDrover(['worker', '--data-dir', dataDir, '--log-format', 'pretty'], {
      env: { DROVER_WORK_DIR: join(root, 'work'), DROVER_LOG_LEVEL: 'info' },
    });
    let stderr = '';
    worker.child.stderr!.on('data', (d: string) => (stderr += d));
    await waitFor(() => stderr.includes('job finished'), 60_000, 'the job to finish');
    worker.child.kill('SIGTERM');
    const res = await worker.done;
    expect(res.code).toBe(0);
    const lines = res.stderr.trim().split('\n');
    for (const line of lines) expect(line).toMatch(PRETTY);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`INFO: job ${id}: job started \\{"repo":`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(/INFO: stopping \(no jobs running\)/));
    expect(lines.at(-1)).toMatch(/INFO: stopped/);
  });

  it('serve on a terminal prints readable lines, says how to stop, and ends with a last line', async () => {
    const dataDir = join(root, 'tty');
    const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
    const argv = [process.execPath, DROVER_BIN, 'serve', '--port', '0', '--data-dir', dataDir];
    const child = spawn('script', ['-qec', argv.map(quote).join(' '), '/dev/null'], {
      env: testEnv({ DROVER_WORK_DIR: join(root, 'work'), DROVER_LOG_LEVEL: 'info' }) as Record<
        string,
        string
      >,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    try {
      await waitFor(() => out.includes('runner started'), 30_000, 'serve to start');
      const [serve] = processesMatching(argv.join(' '));
      process.kill(serve!.pid, 'SIGINT');
      await closed;
    } finally {
      child.kill('SIGKILL');
    }
    const lines = out.replaceAll('\r', '').trim().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^Drover \S+ serving http:\/\/127\.0\.0\.1:\d+\//));
    expect(out).not.toMatch(/^\{"level"/m);
    expect(lines).toContainEqual(expect.stringMatching(/INFO: runner started/));
    expect(lines).toContainEqual(expect.stringMatching(/INFO: stopping \(no jobs running\)/));
    expect(lines.at(-1)).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: stopped/);
  });
});
