import { setLongTimeout } from './longTimeout.js';

/** setTimeout as a promise that an AbortSignal ends early (resolves, never rejects); any length. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setLongTimeout(done, ms);
    function done() {
      timer.clear();
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
