// The gateway over real HTTP, in front of the scripted model servers (test/support/models).
import { createServer, request as httpRequest } from 'node:http';
import { connect, createConnection } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startTestGateway, type TestGateway } from '../../test/support/gateway.js';
import { listenLoopback } from '../../test/support/listenLoopback.js';
import { type AnthropicServer, startAnthropicServer } from '../../test/support/models/anthropic.js';
import { startGeminiServer } from '../../test/support/models/gemini.js';
import { type ChatServer, startChatServer } from '../../test/support/models/openaiChat.js';
import { startResponsesServer } from '../../test/support/models/openaiResponses.js';
import { DEFAULT_PRICES } from '../runner/guards/prices.js';

let anthropic: AnthropicServer;
let gw: TestGateway;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  anthropic = await startAnthropicServer({
    turns: [
      {
        text: 'hi',
        usage: {
          input_tokens: 1000,
          output_tokens: 200,
          cache_creation_input_tokens: 300,
          cache_read_input_tokens: 5000,
        },
      },
    ],
    repeatLast: true,
  });
  gw = await startTestGateway({ anthropic: anthropic.url }, { maxBody: '64K' });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await gw.close();
  await anthropic.close();
});

const message = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 1000,
  tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('forwarding', () => {
  it('streams an Anthropic call with the real key in place of the token, and counts its usage exactly', async () => {
    const { session, events } = await gw.open();
    const wire = session.wires.anthropic!;
    const before = anthropic.allRequests.length;
    const res = await post(`${wire.baseUrl}/v1/messages?beta=true`, message({ stream: true }), {
      'x-api-key': wire.token,
      'anthropic-version': '2023-06-01',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain('event: message_stop');

    const seen = anthropic.allRequests[before]!;
    expect(seen.path).toBe('/v1/messages');
    expect(seen.query).toEqual({ beta: 'true' });
    expect(seen.headers['x-api-key']).toBe(KEYS.anthropic);
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.stringify(seen.headers)).not.toContain(wire.token);

    // Exactly as billed: 1000 fresh + 300 cache writes + 5000 cache reads in, 200 out, at list prices.
    const p = DEFAULT_PRICES['claude-sonnet-4']!;
    const cost = (1000 * p.input + 300 * p.cacheWrite! + 5000 * p.cachedInput! + 200 * p.output) / 1e6;
    expect(session.usage()).toEqual({
      calls: 1,
      inputTokens: 1300,
      cachedInputTokens: 5000,
      outputTokens: 200,
      costUsd: cost,
    });
    const call = events.find((e) => e.type === 'call');
    expect(call).toMatchObject({
      type: 'call',
      call: {
        n: 1,
        wire: 'anthropic',
        model: 'claude-sonnet-4-5',
        status: 200,
        stream: true,
        billed: true,
        inputTokens: 1300,
        cachedInputTokens: 5000,
        cacheWriteTokens: 300,
        outputTokens: 200,
        costUsd: cost,
      },
    });
    expect(await gw.registry.getSingleMetricAsString('drover_model_calls_total')).toContain(
      'drover_model_calls_total{wire="anthropic",model="claude-sonnet-4-5",status="200"}',
    );
    await session.close();
  });

  it('reads usage from a non-streamed answer; token counting is free and not a turn', async () => {
    const { session } = await gw.open();
    const wire = session.wires.anthropic!;
    const auth = { authorization: `Bearer ${wire.token}` };
    const json = await (await post(`${wire.baseUrl}/v1/messages`, message(), auth)).json();
    expect(json).toMatchObject({ type: 'message', usage: { input_tokens: 1000 } });
    const counted = await post(`${wire.baseUrl}/v1/messages/count_tokens`, message(), auth);
    expect(counted.status).toBe(200);
    expect(anthropic.allRequests.at(-1)!.headers['x-api-key']).toBe(KEYS.anthropic);
    expect(session.usage()).toMatchObject({ calls: 1, inputTokens: 1300, outputTokens: 200 });
    await session.close();
  });

  it('OpenAI Responses and Chat Completions: usage incl. cached tokens; a chat stream is asked for its usage', async () => {
    const responses = await startResponsesServer({
      turns: [{ text: 'ok', usage: { input_tokens: 2000, cached_tokens: 1500, output_tokens: 50 } }],
      repeatLast: true,
    });
    const chat = await startChatServer({
      turns: [{ text: 'ok', usage: { prompt_tokens: 700, completion_tokens: 30 } }],
      repeatLast: true,
    });
    const g1 = await startTestGateway({ openai: responses.url });
    const g2 = await startTestGateway({ openai: chat.url });
    closers.push(
      () => g1.close(),
      () => g2.close(),
      () => responses.close(),
      () => chat.close(),
    );

    const a = await g1.open();
    const wa = a.session.wires.openai!;
    expect(wa.baseUrl).toMatch(/\/openai\/v1$/);
    const r = await post(
      `${wa.baseUrl}/responses`,
      { model: 'gpt-4.1', input: [{ role: 'user', content: 'x' }], stream: true },
      {
        authorization: `Bearer ${wa.token}`,
      },
    );
    expect(await r.text()).toContain('response.completed');
    expect(responses.allRequests.at(-1)!.headers.authorization).toBe(`Bearer ${KEYS.openai}`);
    const p = DEFAULT_PRICES['gpt-4.1']!;
    expect(a.session.usage()).toEqual({
      calls: 1,
      inputTokens: 500,
      cachedInputTokens: 1500,
      outputTokens: 50,
      costUsd: (500 * p.input + 1500 * p.cachedInput! + 50 * p.output) / 1e6,
    });

    const b = await g2.open();
    const wb = b.session.wires.openai!;
    const c = await post(
      `${wb.baseUrl}/chat/completions`,
      { model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], stream: true },
      {
        authorization: `Bearer ${wb.token}`,
      },
    );
    expect(await c.text()).toContain('[DONE]');
    expect(chat.requests.at(-1)).toMatchObject({ stream_options: { include_usage: true } });
    expect(b.session.usage()).toMatchObject({ calls: 1, inputTokens: 700, outputTokens: 30 });
    await a.session.close();
    await b.session.close();
  });

  it('Gemini: the token may come as ?key=; the upstream gets the real key in its header and no key parameter', async () => {
    const gemini = await startGeminiServer({
      turns: [{ text: 'ok', usage: { promptTokenCount: 1400, candidatesTokenCount: 70 } }],
      repeatLast: true,
    });
    const g = await startTestGateway({ gemini: gemini.url });
    closers.push(
      () => g.close(),
      () => gemini.close(),
    );
    const { session } = await g.open();
    const wire = session.wires.gemini!;
    const res = await post(
      `${wire.baseUrl}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=${wire.token}`,
      {
        contents: [{ role: 'user', parts: [{ text: 'x' }] }],
        tools: [{ functionDeclarations: [{ name: 'f' }] }],
      },
    );
    expect(res.status).toBe(200);
    await res.text();
    const seen = gemini.allRequests.at(-1)!;
    expect(seen.query).toEqual({ alt: 'sse' });
    expect(seen.headers['x-goog-api-key']).toBe(KEYS.gemini);
    const p = DEFAULT_PRICES['gemini-2.5-pro']!;
    expect(session.usage()).toEqual({
      calls: 1,
      inputTokens: 1400,
      cachedInputTokens: 0,
      outputTokens: 70,
      costUsd: (1400 * p.input + 70 * p.output) / 1e6,
    });
    await session.close();
  });

  it('a dialect without a key (and the public endpoint) is refused by the gateway itself, never sent out', async () => {
    // A gateway whose environment has no key at all:
    const { loadGatewayConfig } = await import('./GatewayConfig.js');
    const { ModelGateway } = await import('./ModelGateway.js');
    const pino = (await import('pino')).default;
    const bare = await ModelGateway.start({
      config: loadGatewayConfig({}),
      logger: pino({ level: 'silent' }),
    });
    closers.push(() => bare.close());
    const session = await bare.openJob({ id: 'no-key' }, {});
    expect(session.notes.anthropic).toContain('no API key for anthropic');
    expect(session.configured).toEqual([]);
    const wire = session.wires.anthropic!;
    const res = await post(`${wire.baseUrl}/v1/messages`, message(), { 'x-api-key': wire.token });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    await session.close();
  });
});

describe('upstream plumbing', () => {
  it('goes through HTTP_PROXY (a CONNECT tunnel) when the runner has one', async () => {
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (req, client, head) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = createConnection({ host: host!, port: Number(port) }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    const p = await listenLoopback(proxy);
    const g = await startTestGateway({ anthropic: anthropic.url }, { env: { HTTP_PROXY: p.url } });
    try {
      const { session } = await g.open();
      const wire = session.wires.anthropic!;
      const res = await post(`${wire.baseUrl}/v1/messages`, message(), { 'x-api-key': wire.token });
      expect(res.status).toBe(200);
      expect(tunnels).toEqual([new URL(anthropic.url).host]);
      await session.close();
    } finally {
      await g.close();
      await p.close();
    }
  });

  it('DROVER_RECORD_MODEL_BODIES=1 keeps each call’s request and response body in its record', async () => {
    const g = await startTestGateway({ anthropic: anthropic.url }, { recordBodies: true });
    try {
      const { session, events } = await g.open();
      const wire = session.wires.anthropic!;
      await (
        await post(`${wire.baseUrl}/v1/messages`, message({ stream: true }), { 'x-api-key': wire.token })
      ).text();
      const call = events.find((e) => e.type === 'call');
      expect(call?.type === 'call' && JSON.parse(call.call.requestBody!)).toMatchObject({
        model: 'claude-sonnet-4-5',
      });
      expect(call?.type === 'call' && call.call.responseBody).toContain('event: message_stop');
      await session.close();
    } finally {
      await g.close();
    }
  });
});

describe('security', () => {
  it('refuses requests without a valid token, with another job’s token, and after the job ended (401)', async () => {
    const a = await gw.open();
    const b = await gw.open();
    const wa = a.session.wires.anthropic!;
    const wb = b.session.wires.anthropic!;
    expect(wa.token).not.toBe(wb.token);
    expect(wa.baseUrl).not.toBe(wb.baseUrl);
    const before = anthropic.allRequests.length;
    const statuses = [
      (await post(`${wa.baseUrl}/v1/messages`, message())).status,
      (await post(`${wa.baseUrl}/v1/messages`, message(), { 'x-api-key': 'drover-guessed' })).status,
      (await post(`${wa.baseUrl}/v1/messages`, message(), { 'x-api-key': wb.token })).status,
      (await post(`${wb.baseUrl}/v1/messages`, message(), { 'x-api-key': wa.token })).status,
    ];
    expect(statuses).toEqual([401, 401, 401, 401]);
    const denied = await post(`${wa.baseUrl}/v1/messages`, message(), { 'x-api-key': 'nope' });
    expect(await denied.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await post(`${wa.baseUrl}/v1/messages`, message(), { 'x-api-key': wa.token })).status).toBe(200);
    await a.session.close();
    expect((await post(`${wa.baseUrl}/v1/messages`, message(), { 'x-api-key': wa.token })).status).toBe(401);
    expect((await post(`${wb.baseUrl}/v1/messages`, message(), { 'x-api-key': wb.token })).status).toBe(200);
    expect(anthropic.allRequests.length - before).toBe(2);
    await b.session.close();
  });

  it('refuses unknown paths (404) and bodies over the limit (413), before anything goes out', async () => {
    const { session } = await gw.open();
    const wire = session.wires.anthropic!;
    const auth = { 'x-api-key': wire.token };
    const before = anthropic.allRequests.length;
    expect((await post(`${wire.baseUrl}/v1/files`, {}, auth)).status).toBe(404);
    expect((await fetch(`${wire.baseUrl}/v1/messages`, { headers: auth })).status).toBe(404); // GET
    expect((await fetch(`${gw.gateway.url}/admin`)).status).toBe(404);
    const big = message({ messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] });
    const tooLarge = await post(`${wire.baseUrl}/v1/messages`, big, auth);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { type: 'request_too_large' } });
    // Without a Content-Length (chunked), the limit holds while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${wire.baseUrl}/v1/messages`, { method: 'POST', headers: auth }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(10 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(anthropic.allRequests.length).toBe(before);
    // Claude Code's connectivity probe carries no key and gets an empty 200.
    expect((await fetch(`${wire.baseUrl}/api/hello`, { method: 'HEAD' })).status).toBe(200);
    await session.close();
  });

  it('bounds the requests one job has in flight (429, which the CLIs retry later)', async () => {
    const open: import('node:http').ServerResponse[] = [];
    const upstream = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': held\n\n');
      open.push(res);
    });
    const up = await listenLoopback(upstream);
    const g = await startTestGateway({ anthropic: up.url });
    try {
      const { session } = await g.open();
      const wire = session.wires.anthropic!;
      const agent = new AbortController();
      const call = () =>
        fetch(`${wire.baseUrl}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': wire.token },
          body: JSON.stringify(message({ stream: true })),
          signal: agent.signal,
        });
      const held = await Promise.all(Array.from({ length: 16 }, call));
      expect(held.map((r) => r.status)).toEqual(Array(16).fill(200));
      const over = await call();
      expect(over.status).toBe(429);
      expect(await over.json()).toMatchObject({ error: { type: 'rate_limit_error' } });
      // The agent gives up on them: the gateway aborts them upstream and lets new requests in.
      agent.abort();
      await session.abortInFlight();
      for (let i = 0; i < 200 && !open.every((r) => r.destroyed); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(open.every((r) => r.destroyed)).toBe(true);
      const again = await post(`${wire.baseUrl}/v1/messages/count_tokens`, message(), {
        'x-api-key': wire.token,
      });
      expect(again.status).not.toBe(429);
      await session.close();
    } finally {
      await g.close();
      await up.close();
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    const port = Number(new URL(gw.gateway.url).port);
    expect(new URL(gw.gateway.url).hostname).toBe('127.0.0.1');
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal)
      .map((a) => a!.address);
    for (const address of ['::1', ...others]) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host: address, port }, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      expect([address, outcome]).not.toEqual([address, 'connected']);
    }
  });
});

describe('streaming', () => {
  let chat: ChatServer;
  let g: TestGateway;
  beforeAll(async () => {
    chat = await startChatServer({ turns: [{ text: 'the rest', hold: true }], repeatLast: true });
    g = await startTestGateway({ openai: chat.url });
  });
  afterAll(async () => {
    await g.close();
    await chat.close();
  });

  it('passes the first chunk through while the upstream still holds the rest (no buffering)', async () => {
    const { session } = await g.open();
    const wire = session.wires.openai!;
    const res = await post(
      `${wire.baseUrl}/chat/completions`,
      { model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], stream: true },
      {
        authorization: `Bearer ${wire.token}`,
      },
    );
    const reader = res.body!.getReader();
    await chat.held();
    // The upstream now waits for release(): this read can only complete if the gateway passed the
    // first chunk on without waiting for the end of the stream.
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"role":"assistant"');
    expect(first).not.toContain('the rest');
    chat.release();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('the rest');
    expect(rest).toContain('[DONE]');
    expect(session.usage().calls).toBe(1);
    await session.close();
  });

  it('respects backpressure: an agent that does not read holds the upstream back', async () => {
    const total = 96 * 1024 * 1024;
    let written = 0;
    let blocked: (() => void) | undefined;
    const isBlocked = new Promise<void>((resolve) => (blocked = resolve));
    const upstream = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = Buffer.from(`data: ${JSON.stringify({ pad: 'x'.repeat(64 * 1024 - 18) })}\n\n`);
      expect(chunk.length).toBe(64 * 1024);
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked?.();
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const up = await listenLoopback(upstream);
    const g2 = await startTestGateway({ openai: up.url });
    try {
      const { session } = await g2.open();
      const wire = session.wires.openai!;
      const res = await post(
        `${wire.baseUrl}/chat/completions`,
        { model: 'gpt-4.1', messages: [], stream: true },
        {
          authorization: `Bearer ${wire.token}`,
        },
      );
      const reader = res.body!.getReader();
      await isBlocked;
      // Wait (bounded) until the upstream's writes have stalled for good while nobody reads.
      let last = -1;
      for (let i = 0; i < 200 && written !== last; i++) {
        last = written;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(written).toBeLessThan(total / 3);
      let received = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        received += value.length;
      }
      expect(received).toBe(total);
      await session.close();
    } finally {
      await g2.close();
      await up.close();
    }
  });

  it('an agent that goes away, or the job ending, aborts the call upstream', async () => {
    const chatBody = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], stream: true };
    const waitAborted = async (srv: ChatServer) => {
      for (let i = 0; i < 250 && srv.aborted() === 0; i++) await new Promise((r) => setTimeout(r, 20));
      return srv.aborted();
    };
    for (const how of ['agent goes away', 'job ends'] as const) {
      const held = await startChatServer([{ text: 'never', hold: true }]);
      const g3 = await startTestGateway({ openai: held.url });
      try {
        const { session, events } = await g3.open();
        const wire = session.wires.openai!;
        const agent = new AbortController();
        const res = await fetch(`${wire.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${wire.token}` },
          body: JSON.stringify(chatBody),
          signal: agent.signal,
        });
        const reading = res
          .body!.getReader()
          .read()
          .catch(() => undefined);
        await held.held();
        if (how === 'agent goes away') agent.abort();
        else await session.close();
        expect([how, await waitAborted(held)]).toEqual([how, 1]);
        await reading;
        await session.abortInFlight();
        expect(events.find((e) => e.type === 'call')).toMatchObject({ call: { aborted: true, status: 200 } });
        await session.close();
      } finally {
        await g3.close();
        await held.close();
      }
    }
  });
});
