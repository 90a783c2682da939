import { randomUUID } from 'node:crypto';
import type { Agent } from 'undici';
import { sleep } from '../util/sleep.js';
import type { AddressPolicy } from './AddressPolicy.js';
import { guardedLookup, RefusedTargetError, type Resolver } from './guardedLookup.js';
import { SIGNATURE_HEADER, signBody } from './signBody.js';

export type CallbackEvent = 'started' | 'completed' | 'failed';

/** The body of every callback (signed as sent). */
export interface CallbackPayload {
  jobId: string;
  event: CallbackEvent;
  message: string;
  details: Record<string, unknown>;
}

export interface CallbackSenderOptions {
  secret: string;
  policy: AddressPolicy;
  userAgent: string;
  /** Per attempt (connect + response), default 10 s. */
  timeoutMs?: number;
  /** Attempts in all, default 5. */
  attempts?: number;
  /** First retry delay, doubled each time (with jitter) up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** The resolver behind the connect-time check (default dns.lookup). */
  resolve?: Resolver;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** The last HTTP status, when there was one. */
  status?: number;
  /** Why it was not delivered. */
  error?: string;
}

const RESPONSE_LIMIT = 64 * 1024;

/**
 * POSTs signed callbacks: `X-Drover-Signature: sha256=<hex HMAC-SHA256 of the body>`, a 10 s timeout,
 * redirects never followed, retries with backoff on network errors, timeouts, 408/425/429 and 5xx.
 * Targets the address policy refuses (loopback, link-local, metadata...) are refused by name and
 * again at connect time on the resolved addresses, which the socket then uses as checked.
 */
export class CallbackSender {
  /** undici is loaded with the first callback: most runner processes never send one. */
  private client: Promise<{ agent: Agent; request: typeof import('undici').request }> | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: CallbackSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  private http(): Promise<{ agent: Agent; request: typeof import('undici').request }> {
    this.client ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({
        connect: {
          lookup: guardedLookup(this.options.policy, this.options.resolve),
          timeout: this.timeoutMs,
        },
        keepAliveTimeout: 4_000,
      }),
      request,
    }));
    return this.client;
  }

  async send(url: string, payload: CallbackPayload, signal?: AbortSignal): Promise<DeliveryResult> {
    const target = new URL(url);
    // Names and IP literals are checked here (sockets skip the lookup hook for IP literals).
    const refused = this.options.policy.hostProblem(target.hostname);
    if (refused) return { delivered: false, attempts: 0, error: `refused target: ${refused}` };
    const body = JSON.stringify(payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent,
      [SIGNATURE_HEADER.toLowerCase()]: signBody(body, this.options.secret),
      'x-drover-event': payload.event,
      'x-drover-delivery': randomUUID(),
    };
    const attempts = this.options.attempts ?? 5;
    let last: DeliveryResult = { delivered: false, attempts: 0 };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (signal?.aborted) break;
      const outcome = await this.attempt(target, body, headers, signal);
      last = { ...outcome, attempts: attempt };
      if (outcome.delivered || !outcome.retry) return strip(last);
      if (attempt < attempts) await sleep(this.backoff(attempt), signal);
    }
    return strip(last);
  }

  private async attempt(
    target: URL,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Omit<DeliveryResult, 'attempts'> & { retry: boolean }> {
    const { agent, request } = await this.http();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(target, {
        method: 'POST',
        body,
        headers,
        dispatcher: agent,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      await res.body.dump({ limit: RESPONSE_LIMIT }).catch(() => {});
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { delivered: true, status, retry: false };
      if (status >= 300 && status < 400) {
        const where = String(res.headers.location ?? '?');
        return { delivered: false, status, retry: false, error: `redirect to ${where} not followed` };
      }
      const retry = status === 408 || status === 425 || status === 429 || status >= 500;
      return { delivered: false, status, retry, error: `the receiver answered ${status}` };
    } catch (err) {
      const refused = refusedCause(err);
      if (refused) return { delivered: false, retry: false, error: `refused target: ${refused.message}` };
      const reason = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : describe(err);
      return { delivered: false, retry: !signal?.aborted, error: reason };
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.backoffMs ?? 1_000;
    const max = this.options.maxBackoffMs ?? 30_000;
    const full = Math.min(max, base * 2 ** (attempt - 1));
    return Math.round(full / 2 + Math.random() * (full / 2));
  }

  async close(): Promise<void> {
    if (this.client) await (await this.client).agent.close();
  }
}

function strip(result: DeliveryResult & { retry?: boolean }): DeliveryResult {
  const { retry: _retry, ...rest } = result;
  return rest;
}

function refusedCause(err: unknown): RefusedTargetError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof RefusedTargetError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const message = e.cause?.message ?? e.message ?? String(err);
  return code ? `${code}: ${message}` : message;
}
