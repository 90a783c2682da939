/** The longest delay setTimeout honours; Node fires a longer one at once (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
  /** Lets the process exit while only this timer is pending. */
  unref(): LongTimeout;
}

/**
 * setTimeout for any delay: waits in steps of at most 2^31−1 ms (~24.8 days) on the monotonic clock,
 * so a 25-day job timeout fires after 25 days instead of at once.
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  const due = performance.now() + Math.max(0, ms);
  let timer: NodeJS.Timeout;
  let unref = false;
  let cleared = false;
  const arm = () => {
    const left = due - performance.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fire, Math.max(0, left));
    if (unref) timer.unref();
  };
  const fire = () => {
    if (!cleared) fn();
  };
  arm();
  const handle: LongTimeout = {
    clear() {
      cleared = true;
      clearTimeout(timer);
    },
    unref() {
      unref = true;
      timer.unref();
      return handle;
    },
  };
  return handle;
}
