// Signed job callbacks from a real `drover run`: what the receiver gets, retries, and the SSRF guard.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, createBareRepo } from '../support/gitRepos.js';
import { listenLoopback } from '../support/listenLoopback.js';

const SECRET = 'e2e-callback-secret-0123456789';

interface Delivery {
  path: string;
  raw: string;
  body: Record<string, unknown>;
  signature: string;
  answered: number;
}

let root: string;
let repo: BareRepo;
let receiver: { url: string; close(): Promise<void> };
const deliveries: Delivery[] = [];
/** Per path: statuses to answer with, in order (then 200). */
const script: Record<string, number[]> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'drover-e2e-callbacks-'));
  repo = await createBareRepo();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const answered = script[path]?.shift() ?? 200;
      deliveries.push({
        path,
        raw,
        body: JSON.parse(raw) as Record<string, unknown>,
        signature: String(req.headers['x-drover-signature']),
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  receiver = await listenLoopback(server);
});
afterAll(async () => {
  await receiver?.close();
  await repo?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const run = (callbackUrl: string, env: Record<string, string> = {}) =>
  runDrover(
    [
      'run',
      '--repo',
      repo.bareDir,
      '--prompt',
      'Add a callback note',
      '--agent-cmd',
      'echo note > CALLBACK.md',
      '--callback-url',
      callbackUrl,
      '--data-dir',
      join(root, 'data'),
      '--json',
    ],
    { env: { DROVER_WORK_DIR: join(root, 'work'), DROVER_CALLBACK_SECRET: SECRET, ...env } },
  );

/** What a receiver does: HMAC-SHA256 over the raw body with the shared secret. */
const verified = (d: Delivery) =>
  d.signature === `sha256=${createHmac('sha256', SECRET).update(d.raw).digest('hex')}`;

describe('job callbacks', () => {
  it('POSTs signed started and completed notices, retrying a 500', async () => {
    script['/hook-a'] = [500];
    const res = await run(`${receiver.url}/hook-a`, { DROVER_CALLBACK_ALLOW_HOSTS: '127.0.0.1' });
    const job = JSON.parse(res.stdout);
    expect(job.status, res.stderr).toBe('succeeded');
    const got = deliveries.filter((d) => d.path === '/hook-a');
    expect(got.map((d) => `${d.body.event}:${d.answered}`)).toEqual([
      'started:500',
      'started:200',
      'completed:200',
    ]);
    expect(got.every(verified)).toBe(true);
    expect(got[2]!.body).toMatchObject({
      jobId: job.id,
      event: 'completed',
      details: { status: 'succeeded', branch: job.branch, commit: job.commit },
    });
    expect(Object.keys(got[2]!.body).sort()).toEqual(['details', 'event', 'jobId', 'message']);
  }, 60_000);

  it('refuses a loopback target by default; the job is not held up', async () => {
    const res = await run(`${receiver.url}/hook-b`, { DROVER_LOG_LEVEL: 'warn' });
    expect(JSON.parse(res.stdout).status).toBe('succeeded');
    expect(deliveries.filter((d) => d.path === '/hook-b')).toEqual([]);
    expect(res.stderr).toContain('refused target: 127.0.0.1 is a loopback address');
  }, 60_000);

  it('rejects a callback URL carrying credentials, naming the field, before anything runs', async () => {
    const res = await run('https://user:pass@hooks.example.com/x');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('callbackUrl (--callback-url): must not carry credentials');
  }, 30_000);
});
