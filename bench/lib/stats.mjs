// Small statistics helpers: every figure the benchmark prints is a median, a percentile or a ratio.

export function median(values) {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function round(x, digits = 2) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Runs each thunk `runs` times after `warmup` rounds, rotating their order every round so none is
 * always first (the first after a cleanup pays for it on some disks). Returns ms per thunk.
 */
export async function interleaved(thunks, { runs, warmup = 1 } = {}) {
  const names = Object.keys(thunks);
  const times = Object.fromEntries(names.map((k) => [k, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      const start = performance.now();
      const result = await thunks[name](i);
      const ms = performance.now() - start;
      if (i >= warmup) times[name].push(ms);
      // A thunk may leave work that is not part of what it measures (e.g. background work to wait for).
      if (typeof result?.untimed === 'function') await result.untimed();
    }
  }
  return times;
}
