// The image's HEALTHCHECK: healthy when the task runner (DROVER_TASK_LISTEN, default :8888) or
// `drover serve` (DROVER_PORT, default 7700) answers GET /healthz with 200 on loopback.
// Workers (`drover worker`) serve no HTTP: run them with --no-healthcheck (Kubernetes ignores it).
const port = (value, fallback) => Number(/(\d{1,5})$/.exec(value ?? '')?.[1] ?? fallback);
const ports = [...new Set([port(process.env.DROVER_TASK_LISTEN, 8888), port(process.env.DROVER_PORT, 7700)])];
for (const p of ports) {
  try {
    const res = await fetch(`http://127.0.0.1:${p}/healthz`, { signal: AbortSignal.timeout(3000) });
    if (res.ok) process.exit(0);
  } catch {
    // not this one
  }
}
process.exit(1);
