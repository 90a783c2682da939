// Scripted fake of the OpenAI Chat Completions API (what OpenAI-compatible SDKs and tools speak), with
// a way to hold a stream after its first chunk: a test can prove that chunk got through before the rest.
import type { ServerResponse } from 'node:http';
import {
  isRecord,
  listen,
  type ModelServer,
  type Repeatable,
  type Script,
  ScriptCursor,
  sendJson,
} from './http.js';

export interface ChatTurn extends Repeatable {
  text?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
  /** Streams only: send the first chunk, then wait for `release()` (or `POST /release`) before the rest. */
  hold?: boolean;
  error?: { status: number; message: string };
}

export interface ChatServer extends ModelServer {
  /** Resolves once a held stream has sent its first chunk. */
  held(): Promise<void>;
  /** Lets a held stream finish. */
  release(): void;
  /** Connections the server saw closed before their answer was complete. */
  aborted(): number;
}

export const CHAT_TEST_MODEL = 'gpt-4.1';
const DEFAULT_USAGE = { prompt_tokens: 900, completion_tokens: 40, cached_tokens: 0 };

export async function startChatServer(script: Script<ChatTurn>): Promise<ChatServer> {
  const cursor = new ScriptCursor(script);
  let onHeld: (() => void) | undefined;
  let heldPromise = new Promise<void>((resolve) => (onHeld = resolve));
  let releaseHold: (() => void) | undefined;
  let released = false;
  let aborted = 0;
  const server = await listen(async (_req, res, record) => {
    const { method, path } = record;
    if (method === 'POST' && path === '/release') {
      released = true;
      releaseHold?.();
      sendJson(res, 200, { ok: true });
      return;
    }
    if (method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `no route ${method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    const body = isRecord(record.body) ? record.body : {};
    const turn = cursor.take(record) ?? { text: 'done' };
    if (turn.error) {
      sendJson(res, turn.error.status, { error: { message: turn.error.message, type: 'server_error' } });
      return;
    }
    const usage = { ...DEFAULT_USAGE, ...turn.usage };
    record.usage = usage;
    const model = typeof body.model === 'string' ? body.model : CHAT_TEST_MODEL;
    const text = turn.text ?? 'done';
    const wire = {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    const base = { id: `chatcmpl-${cursor.requests.length}`, created: Math.floor(Date.now() / 1000), model };
    if (body.stream !== true) {
      sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: wire,
      });
      return;
    }
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      write(res, {
        ...base,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
    chunk({ role: 'assistant', content: '' }, null);
    if (turn.hold && !released) {
      await new Promise<void>((resolve) => {
        releaseHold = resolve;
        onHeld?.();
      });
      heldPromise = new Promise<void>((resolve) => (onHeld = resolve));
    }
    if (res.destroyed) return;
    chunk({ content: text }, null);
    chunk({}, 'stop');
    const opts = isRecord(body.stream_options) ? body.stream_options : {};
    if (opts.include_usage === true)
      write(res, { ...base, object: 'chat.completion.chunk', choices: [], usage: wire });
    res.end('data: [DONE]\n\n');
  });
  return {
    ...server,
    requests: cursor.requests,
    turnsServed: () => cursor.served,
    held: () => heldPromise,
    release: () => {
      released = true;
      releaseHold?.();
    },
    aborted: () => aborted,
  };
}

function write(res: ServerResponse, data: unknown): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}
