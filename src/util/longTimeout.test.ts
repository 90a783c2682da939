import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from './longTimeout.js';
import { sleep } from './sleep.js';

const DAY = 86_400_000;

describe('setLongTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a 25-day timer after 25 days, not at once', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    setLongTimeout(fired, 25 * DAY);
    vi.advanceTimersByTime(1000);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(25 * DAY - MAX_TIMER_MS - 1000 - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('can be cleared before and after a step', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    const t = setLongTimeout(fired, 30 * DAY);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    t.clear();
    vi.advanceTimersByTime(30 * DAY);
    expect(fired).not.toHaveBeenCalled();
  });

  it('sleep() waits long sleeps out and still ends early on abort', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    let done = false;
    void sleep(26 * DAY).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(DAY);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(25 * DAY);
    expect(done).toBe(true);
    const controller = new AbortController();
    let aborted = false;
    void sleep(26 * DAY, controller.signal).then(() => (aborted = true));
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(aborted).toBe(true);
  });
});
