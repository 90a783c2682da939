import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DroverResult, spawnDrover } from './drover.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface ServeHandle {
  url: string;
  dataDir: string;
  workDir: string;
  /** What the server printed so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, wait for the exit, remove the temp dirs. */
  stop(signal?: NodeJS.Signals): Promise<DroverResult>;
}

/** Starts `drover serve --port 0` on loopback with a fresh data dir; resolves once it listens. */
export async function startServe(
  opts: { args?: string[]; env?: Record<string, string | undefined>; token?: string | null } = {},
): Promise<ServeHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'drover-serve-data-'));
  const workDir = mkdtempSync(join(tmpdir(), 'drover-serve-work-'));
  const token = opts.token === undefined ? TEST_TOKEN : opts.token;
  const { child, done } = spawnDrover(
    ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])],
    {
      env: {
        DROVER_WORK_DIR: workDir,
        // The fixtures' bare repos live under the temp dir; API jobs may name them (tests of the
        // local-repo policy pass their own value).
        DROVER_ALLOW_LOCAL_REPOS: tmpdir(),
        ...(token ? { DROVER_API_TOKENS: token } : {}),
        ...opts.env,
      },
      timeoutMs: 300_000,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: string) => (stdout += d));
  child.stderr!.on('data', (d: string) => (stderr += d));
  const cleanup = () => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`drover serve did not start:\n${stderr}`)), 30_000);
    const check = () => {
      const match = /serving (http:\/\/[^/\s]+)\//.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    void done.then((res) => {
      clearTimeout(timer);
      reject(new Error(`drover serve exited ${res.code}:\n${res.stderr}`));
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  });
  return {
    url,
    dataDir,
    workDir,
    output: () => ({ stdout, stderr }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const res = await done;
      cleanup();
      return res;
    },
  };
}

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads an SSE response into messages (comments kept as event ':comment'). Stops when the server
 * ends the stream, or when `until` returns true (then the connection is aborted).
 */
export async function readSse(
  url: string,
  opts: { headers?: Record<string, string>; until?: (m: SseMessage) => boolean; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; messages: SseMessage[] }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? 60_000);
  const messages: SseMessage[] = [];
  try {
    const res = await fetch(url, { headers: opts.headers ?? {}, signal: controller.signal });
    if (res.status !== 200 || !res.body) return { status: res.status, headers: res.headers, messages };
    const decoder = new TextDecoder();
    let buffer = '';
    let current: SseMessage = { event: 'message', data: '' };
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let idx = buffer.indexOf('\n');
      let stop = false;
      while (idx !== -1) {
        const line = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 1);
        idx = buffer.indexOf('\n');
        if (line === '') {
          if (current.data !== '' || current.id !== undefined) {
            messages.push(current);
            if (opts.until?.(current)) stop = true;
          }
          current = { event: 'message', data: '' };
        } else if (line.startsWith(':')) {
          messages.push({ event: ':comment', data: line.slice(1).trim() });
        } else {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon);
          const value = line.slice(colon + 2);
          if (field === 'id') current.id = value;
          else if (field === 'event') current.event = value;
          else if (field === 'data') current.data += value;
        }
      }
      if (stop) {
        controller.abort();
        break;
      }
    }
    return { status: res.status, headers: res.headers, messages };
  } finally {
    clearTimeout(timer);
  }
}
