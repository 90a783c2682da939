import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface TailOptions {
  intervalMs?: number;
  /** Files followed at most (an agent writes one or two session files per run). */
  maxFiles?: number;
  maxDepth?: number;
  /** Which *.jsonl files to follow (default all). */
  match?: (path: string) => boolean;
}

export interface Tail {
  /** Reads what is left once more, then stops. */
  stop(): Promise<void>;
}

/**
 * Follows the *.jsonl files that appear under `dir` (polling: the directory may not exist yet and is
 * written by another process), handing each complete new line to onLine. Reads only appended bytes;
 * a partial last line waits for its newline.
 */
export function tailJsonlDir(dir: string, onLine: (line: string) => void, opts: TailOptions = {}): Tail {
  const files = new Map<string, { offset: number; rest: string }>();
  const maxFiles = opts.maxFiles ?? 20;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const readNew = async (path: string) => {
    const state = files.get(path)!;
    const fh = await open(path, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, state.offset);
        if (bytesRead === 0) break;
        state.offset += bytesRead;
        const lines = (state.rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        state.rest = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onLine(line);
      }
    } finally {
      await fh.close();
    }
  };
  const scan = async (current: string, depth: number) => {
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (depth < (opts.maxDepth ?? 6)) await scan(path, depth + 1);
      } else if (
        entry.isFile() &&
        entry.name.endsWith('.jsonl') &&
        (opts.match?.(path) ?? true) &&
        !files.has(path) &&
        files.size < maxFiles
      )
        files.set(path, { offset: 0, rest: '' });
    }
  };
  const poll = async () => {
    await scan(dir, 0);
    for (const path of files.keys()) await readNew(path);
  };
  const tick = () => {
    running = running.then(poll).catch(() => {});
  };
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, opts.intervalMs ?? 1000);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      tick();
      await running;
    },
  };
}
