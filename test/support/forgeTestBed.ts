import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_TOKEN } from './droverServer.js';

// Shared pieces of the forge end-to-end tests: bounded polling, the API as a client, and the repo
// config whose command agent records every prompt it gets as a new file (so each job commits, and the
// test reads the prompt back from the branch).

/** Polls until `fn` returns something truthy; fails with `what` after `timeoutMs` (bounded by count too). */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 2000; i++) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function api<T = Record<string, unknown>>(serveUrl: string, path: string): Promise<T> {
  const res = await fetch(`${serveUrl}${path}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface JobJson {
  id: string;
  status: string;
  branch: string;
  commit: string | null;
  prUrl: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  errorKind: string | null;
  errorMessage: string | null;
  source: Record<string, unknown> | null;
}

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'needs_human'];

export function waitForJob(serveUrl: string, id: string, timeoutMs = 90_000): Promise<JobJson> {
  return waitFor(
    async () => {
      const job = await api<JobJson>(serveUrl, `/api/jobs/${id}`);
      return TERMINAL.includes(job.status) ? job : undefined;
    },
    `job ${id} to end`,
    timeoutMs,
  );
}

export async function jobCount(serveUrl: string): Promise<number> {
  return (await api<{ jobs: unknown[] }>(serveUrl, '/api/jobs?limit=500')).jobs.length;
}

/**
 * A command agent that writes its prompt to `prompts/<n>.txt` (n = one more than there are); a prompt
 * containing FAILNOW makes it print two lines and exit 3, one containing HOLD makes it wait for
 * `releaseFile` (bounded: 60 s).
 */
export function recordingAgent(releaseFile: string): string {
  return [
    'n=$(ls prompts 2>/dev/null | wc -l)',
    'n=$((n+1))',
    'mkdir -p prompts',
    'printf "%s\\n" "$DROVER_PROMPT" > "prompts/$n.txt"',
    `case "$DROVER_PROMPT" in *FAILNOW*) echo "checking the dates"; echo "assertion failed: expected 2, got 3 @carol" >&2; exit 3;; esac`,
    `case "$DROVER_PROMPT" in *HOLD*) i=0; while [ ! -f '${releaseFile}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done;; esac`,
  ].join('; ');
}

/** DROVER_CONFIG with one `repos:` entry for `match` (command agent, no sandbox: the test holds files). */
export function writeRepoConfig(dir: string, match: string, agentCmd: string): string {
  const path = join(dir, 'drover.json');
  writeFileSync(
    path,
    JSON.stringify({ repos: [{ match, agent: 'command', agentCmd, sandbox: 'none' }] }, null, 2),
  );
  return path;
}

/** `user:password` of a Basic Authorization header, or the Bearer value. */
export function credentialOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^(\S+)\s+(.+)$/.exec(authorization);
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'basic') return Buffer.from(m[2]!, 'base64').toString('utf8');
  return m[2];
}
