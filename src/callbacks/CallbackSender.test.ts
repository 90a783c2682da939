import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy, classifyAddress } from './AddressPolicy.js';
import { type CallbackPayload, CallbackSender } from './CallbackSender.js';
import type { Resolver } from './guardedLookup.js';
import { verifySignature } from './signBody.js';

const SECRET = 'callback-secret-0123456789';

interface Received {
  path: string;
  host: string;
  body: string;
  signature: string | undefined;
  contentType: string | undefined;
}

/** A callback receiver on loopback: answers from a per-path script, records every request. */
async function startReceiver(script: Record<string, number[]>) {
  const received: Received[] = [];
  const served: Record<string, number> = {};
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({
        path,
        host: String(req.headers.host),
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['x-drover-signature'] as string | undefined,
        contentType: req.headers['content-type'],
      });
      const n = served[path] ?? 0;
      served[path] = n + 1;
      const status = script[path]?.[Math.min(n, (script[path]?.length ?? 1) - 1)] ?? 200;
      if (status >= 300 && status < 400) res.writeHead(status, { location: '/redirected' }).end();
      else res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const payload: CallbackPayload = {
  jobId: 'job-1',
  event: 'completed',
  message: 'Job job-1 succeeded',
  details: { status: 'succeeded', prUrl: 'https://github.test/acme/app/pull/1' },
};

function sender(policy: AddressPolicy, extra: { resolve?: Resolver } = {}) {
  return new CallbackSender({
    secret: SECRET,
    policy,
    userAgent: 'drover/test',
    backoffMs: 20,
    attempts: 4,
    ...extra,
  });
}

describe('CallbackSender', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver({ '/flaky': [500, 503, 200], '/gone': [410], '/moved': [302] });
  });
  afterAll(() => receiver.close());

  const allowLoopback = new AddressPolicy({ allowHosts: ['127.0.0.1'] });

  it('signs the exact body with HMAC-SHA256 so the receiver can verify it', async () => {
    const result = await sender(allowLoopback).send(`${receiver.url}/ok`, payload);
    expect(result).toMatchObject({ delivered: true, attempts: 1, status: 200 });
    const got = receiver.received.filter((r) => r.path === '/ok');
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.body)).toEqual(payload);
    expect(got[0]!.contentType).toBe('application/json');
    expect(got[0]!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(got[0]!.body, SECRET, got[0]!.signature)).toBe(true);
    expect(verifySignature(got[0]!.body, 'another-secret-0123456', got[0]!.signature)).toBe(false);
    expect(verifySignature(`${got[0]!.body} `, SECRET, got[0]!.signature)).toBe(false);
  });

  it('retries 5xx answers with backoff until one is accepted, with the same signed body', async () => {
    const result = await sender(allowLoopback).send(`${receiver.url}/flaky`, payload);
    expect(result).toMatchObject({ delivered: true, attempts: 3, status: 200 });
    const got = receiver.received.filter((r) => r.path === '/flaky');
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(got.every((r) => verifySignature(r.body, SECRET, r.signature))).toBe(true);
  });

  it('gives up at once on a 4xx and never follows a redirect', async () => {
    const gone = await sender(allowLoopback).send(`${receiver.url}/gone`, payload);
    expect(gone).toMatchObject({ delivered: false, attempts: 1, status: 410 });
    const moved = await sender(allowLoopback).send(`${receiver.url}/moved`, payload);
    expect(moved).toMatchObject({ delivered: false, attempts: 1, status: 302 });
    expect(moved.error).toContain('not followed');
    expect(receiver.received.filter((r) => r.path === '/redirected')).toHaveLength(0);
  });

  it('refuses loopback targets by default, by address and by name, without sending anything', async () => {
    const before = receiver.received.length;
    const byIp = await sender(new AddressPolicy()).send(`${receiver.url}/ok`, payload);
    expect(byIp).toMatchObject({ delivered: false, attempts: 0 });
    expect(byIp.error).toContain('127.0.0.1 is a loopback address');
    const byName = await sender(new AddressPolicy()).send(`http://localhost:${receiver.port}/ok`, payload);
    expect(byName.error).toContain('loopback');
    const mapped = await sender(new AddressPolicy()).send(
      `http://[::ffff:127.0.0.1]:${receiver.port}/`,
      payload,
    );
    expect(mapped.error).toContain('loopback');
    const metadata = await sender(new AddressPolicy()).send('http://169.254.169.254/latest', payload);
    expect(metadata.error).toContain('metadata');
    expect(receiver.received.length).toBe(before);
  });

  it('checks the addresses a name resolves to at connect time and connects to exactly those', async () => {
    const resolve: Resolver = (_host, _opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
    const before = receiver.received.length;
    const refused = await sender(new AddressPolicy(), { resolve }).send(
      `http://callback.test:${receiver.port}/ok`,
      payload,
    );
    expect(refused).toMatchObject({ delivered: false, attempts: 1 });
    expect(refused.error).toContain('callback.test resolves to 127.0.0.1 is a loopback address');
    expect(receiver.received.length).toBe(before);

    // Allowed by range: the socket goes to the address the check saw (the name itself is fake).
    const allowed = await sender(new AddressPolicy({ allowHosts: ['127.0.0.0/8'] }), { resolve }).send(
      `http://callback.test:${receiver.port}/pinned`,
      payload,
    );
    expect(allowed).toMatchObject({ delivered: true });
    expect(receiver.received.at(-1)).toMatchObject({
      path: '/pinned',
      host: `callback.test:${receiver.port}`,
    });
  });

  it('refuses a name when any address it resolves to is refused (a mixed answer is not trusted)', async () => {
    const resolve: Resolver = (_host, _opts, cb) =>
      cb(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.5', family: 4 },
      ]);
    const result = await sender(new AddressPolicy(), { resolve }).send('http://mixed.test/', payload);
    expect(result.error).toContain('10.0.0.5 is a private address');
  });
});

describe('AddressPolicy', () => {
  it('classifies the address families an SSRF would aim at', () => {
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::ffff:7f00:1')).toBe('loopback');
    expect(classifyAddress('169.254.169.254')).toBe('metadata');
    expect(classifyAddress('fd00:ec2::254')).toBe('metadata');
    expect(classifyAddress('169.254.10.1')).toBe('link-local');
    expect(classifyAddress('fe80::1')).toBe('link-local');
    expect(classifyAddress('10.1.2.3')).toBe('private');
    expect(classifyAddress('172.20.0.1')).toBe('private');
    expect(classifyAddress('192.168.1.1')).toBe('private');
    expect(classifyAddress('fd12::1')).toBe('private');
    expect(classifyAddress('0.0.0.0')).toBe('unspecified');
    expect(classifyAddress('64:ff9b::a00:1')).toBe('reserved');
    expect(classifyAddress('93.184.216.34')).toBe('public');
    expect(classifyAddress('2606:4700::1111')).toBe('public');
  });

  it('allows private ranges only when told, and metadata names never by default', () => {
    expect(new AddressPolicy().addressProblem('10.0.0.1')).toContain('DROVER_CALLBACK_ALLOW_PRIVATE');
    expect(new AddressPolicy({ allowPrivate: true }).addressProblem('10.0.0.1')).toBeUndefined();
    expect(new AddressPolicy({ allowPrivate: true }).addressProblem('127.0.0.1')).toContain('loopback');
    expect(new AddressPolicy({ allowPrivate: true }).hostProblem('metadata.google.internal')).toContain(
      'metadata',
    );
    expect(new AddressPolicy({ allowHosts: ['receiver.internal'] }).hostAllowed('Receiver.Internal')).toBe(
      true,
    );
  });
});
