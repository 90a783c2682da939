import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError } from '../errors.js';
import { FileLock } from './FileLock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drover-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
function deadPid(): number {
  const res = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(res.stdout.toString());
}

describe('FileLock', () => {
  it('a release wakes a waiter at once, without waiting for its next poll', async () => {
    const path = join(dir, 'w.lock');
    const held = await FileLock.acquire(path);
    // The waiter polls once an hour: only the release notification can let it in before the test ends.
    const waiting = FileLock.acquire(path, { maxPollMs: 3_600_000, timeoutMs: 7_200_000 });
    let acquired = false;
    void waiting.then(() => {
      acquired = true;
    });
    await new Promise((r) => setTimeout(r, 300)); // it found the lock taken and sleeps
    expect(acquired).toBe(false);
    await held.release();
    const lock = await waiting;
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('lets one holder at a time in, across many concurrent waiters', async () => {
    const path = join(dir, 'a.lock');
    let inside = 0;
    let maxInside = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const lock = await FileLock.acquire(path, { timeoutMs: 20_000 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        done++;
        await lock.release();
      }),
    );
    expect(done).toBe(8);
    expect(maxInside).toBe(1);
    expect(existsSync(path)).toBe(false);
  });

  it('breaks a lock whose owner process is gone', async () => {
    const path = join(dir, 'b.lock');
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: hostname(), token: 'old' }));
    const lock = await FileLock.acquire(path, { timeoutMs: 5000 });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('breaks a lock nobody refreshed for longer than staleMs (owner on another host)', async () => {
    const path = join(dir, 'c.lock');
    await writeFile(path, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'old' }));
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const lock = await FileLock.acquire(path, { timeoutMs: 5000, staleMs: 60_000 });
    await lock.release();
  });

  it('waits for a live holder and times out with LockTimeoutError', async () => {
    const path = join(dir, 'd.lock');
    const held = await FileLock.acquire(path);
    await expect(FileLock.acquire(path, { timeoutMs: 100 })).rejects.toBeInstanceOf(LockTimeoutError);
    expect(await FileLock.tryAcquire(path)).toBeUndefined();
    await held.release();
    const next = await FileLock.tryAcquire(path);
    expect(next).toBeDefined();
    await next!.release();
  });

  it('keeps a held lock fresh, and release never removes a lock that was taken over', async () => {
    const path = join(dir, 'e.lock');
    const first = await FileLock.acquire(path, { staleMs: 400 });
    // Held past staleMs: the refresh keeps it from being judged stale.
    await new Promise((r) => setTimeout(r, 700));
    expect(await FileLock.tryAcquire(path, { staleMs: 400 })).toBeUndefined();
    // Simulate a takeover: someone else's lock now sits at the path.
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), token: 'someone-else' }));
    await first.release();
    expect(existsSync(path)).toBe(true);
  });
});
