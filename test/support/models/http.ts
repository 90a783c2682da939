// Shared plumbing for the scripted model servers: script cursor, request log, SSE and JSON replies.
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenLoopback } from '../listenLoopback.js';
import { type ReadRequest, readRequest } from '../readRequest.js';

/**
 * A turn may ask to be replayed forever once it is reached (budget / runaway-loop tests). In every
 * served turn, `{{n}}` inside any string is replaced by the 1-based request number, so a repeated tool
 * call can differ each time (Gemini CLI stops on a few identical calls: "Loop detected").
 */
export interface Repeatable {
  repeat?: boolean;
}

/** A script is an ordered list of turns, or that list plus `repeatLast` (same as `repeat` on the last turn). */
export type Script<T> = T[] | { turns: T[]; repeatLast?: boolean };

/** Every HTTP request a fake server saw, main conversation or not. */
export interface RecordedRequest extends ReadRequest {
  /** True when the request consumed a script turn (main conversation). */
  main: boolean;
  /** The usage the server reported in its answer (provider field names), when it answered a model call. */
  usage?: Record<string, number>;
}

export interface ModelServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** Bodies of the main-conversation requests, one per consumed turn, in order. */
  requests: unknown[];
  /** Every request received, including probes and side requests. */
  allRequests: RecordedRequest[];
  /** Number of script turns consumed so far (including repeats and the default "done"). */
  turnsServed(): number;
  close(): Promise<void>;
}

/** Hands out turns in order; an exhausted script yields `undefined` (callers answer "done"). */
export class ScriptCursor<T extends Repeatable> {
  private readonly turns: T[];
  private readonly repeatLast: boolean;
  private index = 0;
  served = 0;
  /** Bodies of the main-conversation requests (see `take`), in order. */
  readonly requests: unknown[] = [];

  constructor(script: Script<T>) {
    if (Array.isArray(script)) {
      this.turns = script;
      this.repeatLast = false;
    } else {
      this.turns = script.turns;
      this.repeatLast = script.repeatLast ?? false;
    }
  }

  /** A main-conversation request: marked as such, its body kept, and its turn handed out. */
  take(record: RecordedRequest): T | undefined {
    record.main = true;
    this.requests.push(record.body);
    return this.next();
  }

  next(): T | undefined {
    this.served++;
    const turn = this.turns[this.index];
    if (turn === undefined) {
      const last = this.turns[this.turns.length - 1];
      return last !== undefined && (this.repeatLast || last.repeat)
        ? substitute(last, this.served)
        : undefined;
    }
    // A repeating turn stays current: later turns in the list are never reached.
    if (!turn.repeat) this.index++;
    return substitute(turn, this.served);
  }
}

function substitute<V>(value: V, n: number): V {
  if (typeof value === 'string') return value.replaceAll('{{n}}', String(n)) as V;
  if (Array.isArray(value)) return value.map((v) => substitute(v, n)) as V;
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, n)])) as V;
  return value;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes a complete SSE stream at once; `event` lines are included only when named. */
export function sendSse(res: ServerResponse, events: { event?: string; data: unknown }[]): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  for (const e of events) {
    const head = e.event === undefined ? '' : `event: ${e.event}\n`;
    res.write(`${head}data: ${JSON.stringify(e.data)}\n\n`);
  }
  res.end();
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
) => void | Promise<void>;

/**
 * Starts an HTTP server on 127.0.0.1 (ephemeral port) that parses and records every request before
 * handing it to `handle`. Set DROVER_MODEL_DEBUG=<file> to append each request
 * there as a JSON line while developing.
 */
export async function listen(
  handle: Handler,
): Promise<{ url: string; allRequests: RecordedRequest[]; close(): Promise<void> }> {
  const allRequests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const record: RecordedRequest = { ...(await readRequest(req)), main: false };
      allRequests.push(record);
      try {
        await handle(req, res, record);
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) });
        else res.end();
      }
      const debugFile = process.env.DROVER_MODEL_DEBUG;
      if (debugFile) appendFileSync(debugFile, `${JSON.stringify({ url: req.url, ...record })}\n`);
    })();
  });
  const { url, close } = await listenLoopback(server);
  return { url, allRequests, close };
}
