import { execFile } from 'node:child_process';

export interface ProbeResult {
  ok: boolean;
  /** ENOENT when the program is not there. */
  code?: string;
  stdout: string;
  stderr: string;
}

/** Runs a program briefly (a version query) and reports what it said; never throws. */
export function probe(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        resolve({
          ok: !err,
          ...(typeof code === 'string' ? { code } : {}),
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/** The first non-empty line of a program's output. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

/** Whether dotted version `have` is at least `want` (numeric parts compared in order). */
export function atLeast(have: string, want: string): boolean {
  const a = have.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const b = want.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}
