import module from 'node:module';

/**
 * Node's on-disk compile cache (Node ≥ 22.1: `module.enableCompileCache`), so a CLI started again
 * reuses the compiled code of the previous start. Absent on older Node: then nothing happens. Off
 * with NODE_DISABLE_COMPILE_CACHE=1; the cache directory follows NODE_COMPILE_CACHE when set.
 */
export function enableCompileCache(): void {
  const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  if (typeof enable !== 'function') return;
  try {
    enable();
  } catch {
    // A read-only or missing cache directory only costs speed.
  }
}
