import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/SqliteStore.js';
import { ApiAuth } from './ApiAuth.js';
import { installBodyLimit } from './bodyLimit.js';
import { buildServer } from './buildServer.js';
import { installErrorHandlers } from './errorHandler.js';

interface RawResult {
  status: number;
  headers: string;
  body: string;
  /** A write failed (EPIPE/ECONNRESET): the server hung up while the client was still sending. */
  writeError?: string;
}

/**
 * A client that writes its whole request before it reads (as many do): if the server answers and
 * hangs up mid-body, its writes fail and it reports a reset, not the server's status.
 */
function rawPost(
  port: number,
  opts: { size: number; chunked?: boolean; slow?: boolean; stallAfter?: number; declared?: number },
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let writeError: string | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no response (${writeError ?? 'closed'})`));
      const head = received.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      const body = received.slice(end + 4, end + 4 + length);
      settled = true;
      socket.destroy();
      resolve({
        status: Number(head.split(' ')[1]),
        headers: head.toLowerCase(),
        body,
        ...(writeError ? { writeError } : {}),
      });
    };
    socket.on('data', (d) => {
      received += d.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(received.slice(0, end))?.[1] ?? -1);
      if (end >= 0 && received.length >= end + 4 + length && !writing) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      writeError ??= err.code ?? err.message;
    });
    socket.on('close', finish);
    let writing = true;
    socket.on('connect', async () => {
      const length = opts.chunked
        ? 'Transfer-Encoding: chunked'
        : `Content-Length: ${opts.declared ?? opts.size}`;
      socket.write(
        `POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${length}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const stopAt = opts.stallAfter ?? opts.size;
      while (sent < stopAt && !socket.destroyed) {
        const n = Math.min(chunk.length, stopAt - sent);
        if (opts.chunked) socket.write(`${n.toString(16)}\r\n`);
        socket.write(chunk.subarray(0, n));
        const ok = opts.chunked ? socket.write('\r\n') : socket.writableLength < 1 << 20;
        sent += n;
        if (!ok) {
          await new Promise((r) => {
            socket.once('drain', r);
            socket.once('close', r);
          });
        }
        if (opts.slow) await new Promise((r) => setTimeout(r, 10));
      }
      if (opts.chunked && opts.stallAfter === undefined && !socket.destroyed) socket.write('0\r\n\r\n');
      writing = false;
      // Only now does this client read: a response that is complete already ends the exchange.
      socket.emit('data', Buffer.alloc(0));
    });
  });
}

describe('oversized bodies', () => {
  let dir: string;
  let store: SqliteStore;
  let app: Awaited<ReturnType<typeof buildServer>>;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drover-body-limit-'));
    store = new SqliteStore(join(dir, 'drover.db'));
    app = await buildServer({
      store,
      logger: pino({ level: 'silent' }),
      auth: new ApiAuth([]),
      webRoot: null,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['8 MiB with Content-Length, fast', { size: 8 << 20 }],
    ['8 MiB chunked, fast', { size: 8 << 20, chunked: true }],
    ['3 MiB with Content-Length, slowly', { size: 3 << 20, slow: true }],
    ['3 MiB chunked, slowly', { size: 3 << 20, chunked: true, slow: true }],
  ])('answers 413 to %s, after reading the body, every time', async (_name, opts) => {
    for (let round = 0; round < 3; round++) {
      const res = await rawPost(port, opts);
      expect(res.writeError, 'the client saw the connection reset').toBeUndefined();
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    }
  });

  it('drains a body it answered without reading (415), so the connection goes on', async () => {
    const statuses = await new Promise<string[]>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the connection stalled after: ${received.slice(0, 200)}`));
      }, 20_000);
      socket.on('data', (d) => {
        received += d.toString('latin1');
        const all = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]!);
        if (all.length === 2) {
          clearTimeout(timer);
          socket.destroy();
          resolve(all);
        }
      });
      socket.on('error', reject);
      socket.on('connect', () => {
        const body = Buffer.alloc(500_000, 'x');
        socket.write(
          `POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        socket.write(body);
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
    });
    expect(statuses).toEqual(['415', '200']);
  });

  it('still takes a chunked body under the limit', async () => {
    const spec = JSON.stringify({
      repo: 'https://example.com/o/r.git',
      prompt: 'p',
      agent: 'command',
      agentCmd: 'true',
    });
    const res = await fetch(`http://127.0.0.1:${port}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([spec]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(201);
  });
});

describe('the discard bound', () => {
  it('closes the connection after a 413 once the bound is reached (bytes or time)', async () => {
    const app = Fastify();
    installErrorHandlers(app);
    installBodyLimit(app, { limit: 1000, discardBytes: 100_000, discardMs: 300 });
    app.post('/api/jobs', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      // More than the bound, then the client waits: the server stops reading and answers.
      for (const chunked of [false, true]) {
        const res = await rawPost(port, { size: 1 << 20, stallAfter: 200_000, chunked });
        expect(res.status).toBe(413);
        expect(res.headers).toContain('connection: close');
      }
      // A client that declares a large body and stalls is cut off after discardMs.
      const stalled = await rawPost(port, { size: 5000, declared: 1 << 20, stallAfter: 5000 });
      expect(stalled.status).toBe(413);
      expect(stalled.headers).toContain('connection: close');
    } finally {
      await app.close();
    }
  });
});
