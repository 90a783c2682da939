import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { superviseProcess } from './superviseProcess.js';

/** Running (a zombie awaiting its reaper is dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function run(
  script: string,
  opts: { timeoutMs?: number; idleTimeoutMs?: number; signal?: AbortSignal } = {},
) {
  let out = '';
  const proc = superviseProcess({
    command: '/bin/sh',
    args: ['-c', script],
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdin: 'from stdin',
    timeoutMs: opts.timeoutMs ?? 30_000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
    killGraceMs: 500,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStdout: (c) => {
      out += c.toString();
      return undefined;
    },
    onStderr: () => undefined,
  });
  return { proc, output: () => out };
}

describe('superviseProcess', () => {
  it('passes stdin and reports the exit code', async () => {
    const { proc, output } = run('cat; exit 3');
    const res = await proc.result;
    expect(res).toMatchObject({ exitCode: 3, reason: 'exit' });
    expect(output()).toBe('from stdin');
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    const { proc, output } = run('sleep 1000 & echo $!; sleep 1000', { timeoutMs: 500 });
    const res = await proc.result;
    expect(res.reason).toBe('timeout');
    const grandchild = Number(output().trim());
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(grandchild)).toBe(false);
  });

  it('stops a silent process on the idle watchdog, and output or touch() counts as activity', async () => {
    const silent = await run('sleep 1000', { idleTimeoutMs: 300 }).proc.result;
    expect(silent.reason).toBe('idle');
    const chatty = await run('for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done', { idleTimeoutMs: 400 }).proc
      .result;
    expect(chatty).toMatchObject({ reason: 'exit', exitCode: 0 });
    const { proc } = run('sleep 0.9', { idleTimeoutMs: 500 });
    const toucher = setInterval(() => proc.touch(), 100);
    const touched = await proc.result;
    clearInterval(toucher);
    expect(touched).toMatchObject({ reason: 'exit', exitCode: 0 });
  });

  it('kills background children left behind when the main process exits', async () => {
    const { proc, output } = run('sleep 1000 & echo $!');
    expect((await proc.result).exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(Number(output().trim()))).toBe(false);
  });

  it('stops on abort with the abort reason', async () => {
    const controller = new AbortController();
    const { proc } = run('sleep 1000', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
    const res = await proc.result;
    expect(res.reason).toBe('aborted');
    expect((res.abortReason as Error).message).toBe('cancelled by test');
  });

  it('reports a missing command as a spawn error', async () => {
    const proc = superviseProcess({
      command: '/nonexistent/agent',
      args: [],
      cwd: process.cwd(),
      env: {},
      stdin: null,
      timeoutMs: 5000,
      idleTimeoutMs: 5000,
      onStdout: () => undefined,
      onStderr: () => undefined,
    });
    const res = await proc.result;
    expect((res.spawnError as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
  });
});
