import type { ChildProcess } from 'node:child_process';
import { type DroverResult, spawnDrover } from './drover.js';
import { waitFor } from './processes.js';

export interface TaskRunnerProcess {
  child: ChildProcess;
  done: Promise<DroverResult>;
  /** `http://127.0.0.1:<port>` of its POST /task endpoint. */
  url: string;
  stdout(): string;
  stderr(): string;
}

/** Starts `drover task-runner` on a free loopback port and waits until it listens. */
export async function startTaskRunner(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 150_000,
): Promise<TaskRunnerProcess> {
  const { child, done } = spawnDrover(['task-runner', '--listen', '127.0.0.1:0', ...args], {
    env,
    timeoutMs,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: string) => (out += d));
  child.stderr!.on('data', (d: string) => (err += d));
  let exited: DroverResult | undefined;
  void done.then((r) => (exited = r));
  const port = await waitFor(
    () => {
      if (exited) throw new Error(`task-runner exited ${exited.code}: ${exited.stderr}`);
      return /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    },
    30_000,
    'the task runner to listen',
  );
  return { child, done, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err };
}

/** POSTs a task assignment the way the operator does. */
export async function assignTask(
  url: string,
  body: unknown,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/task`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
