import type { Logger } from 'pino';
import { ControlPlaneError, InvalidInputError } from '../errors.js';
import { describeIssues, zodIssues } from '../jobs/parseJobSpec.js';
import { sleep } from '../util/sleep.js';
import { TaskData, type TaskEvent, type TaskStatusEvent, TaskToken } from './TaskData.js';

export interface CallOptions {
  /** Give up retrying at this time (epoch ms); default: now + the client's retryForMs. */
  deadline?: number;
  signal?: AbortSignal;
}

export interface ControlPlaneClientOptions {
  apiURL: string;
  taskID: string;
  logger: Logger;
  userAgent: string;
  /** How long one call keeps retrying 5xx answers and network errors (default 5 min). */
  retryForMs?: number;
  /** Per attempt (default 30 s). */
  attemptTimeoutMs?: number;
  /** First retry delay, doubled up to 5 s (default 250 ms). */
  backoffMs?: number;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * The control plane's internal task API (`{apiURL}/api/v1/tasks/{taskID}/...`). Network errors,
 * timeouts, 408, 429 and 5xx are retried with backoff until the call's deadline; any other 4xx is a
 * terminal ControlPlaneError carrying the status and the API's `{error, details}` message.
 * Every POST sends `Content-Type: application/json`; redirects are not followed.
 */
export class ControlPlaneClient {
  private readonly base: string;

  constructor(private readonly options: ControlPlaneClientOptions) {
    this.base = `${options.apiURL.replace(/\/+$/, '')}/api/v1/tasks/${encodeURIComponent(options.taskID)}`;
  }

  status(
    event: TaskStatusEvent,
    message: string,
    details?: Record<string, unknown>,
    opts?: CallOptions,
  ): Promise<unknown> {
    return this.call('POST', '/status', { event, message, ...(details ? { details } : {}) }, opts);
  }

  async data(opts?: CallOptions): Promise<TaskData> {
    const body = await this.call('GET', '/data', undefined, opts);
    const parsed = TaskData.safeParse(body);
    if (parsed.success) return parsed.data;
    const issues = zodIssues(parsed.error);
    throw new InvalidInputError(`The task's data is invalid: ${describeIssues(issues)}`, issues);
  }

  async token(opts?: CallOptions): Promise<TaskToken> {
    const body = await this.call('GET', '/token', undefined, opts);
    const parsed = TaskToken.safeParse(body);
    if (parsed.success) return parsed.data;
    // Never echo the body: it may hold a token.
    throw new ControlPlaneError('The token endpoint answered without a usable token.', 200);
  }

  events(events: TaskEvent[], opts?: CallOptions): Promise<unknown> {
    return this.call('POST', '/events', { events }, opts);
  }

  private async call(method: 'GET' | 'POST', path: string, body: unknown, opts: CallOptions = {}) {
    const url = `${this.base}${path}`;
    const deadline = opts.deadline ?? Date.now() + (this.options.retryForMs ?? 300_000);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let delay = this.options.backoffMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      let problem: ControlPlaneError;
      try {
        return await this.attempt(method, url, payload, opts.signal);
      } catch (err) {
        if (!(err instanceof ControlPlaneError) || !isRetryable(err) || opts.signal?.aborted) throw err;
        problem = err;
      }
      const wait = Math.min(delay, Math.max(0, deadline - Date.now()));
      if (wait <= 0) {
        throw new ControlPlaneError(
          `${method} ${path} kept failing for ${attempt} attempt(s): ${problem.message}`,
          problem.status,
          { cause: problem },
        );
      }
      if (attempt === 1 || attempt % 10 === 0) {
        this.options.logger.warn(
          { method, path, attempt, status: problem.status },
          `control plane call failed, retrying: ${problem.message}`,
        );
      }
      await sleep(Math.round(wait / 2 + (Math.random() * wait) / 2), opts.signal);
      delay = Math.min(delay * 2, 5_000);
    }
  }

  private async attempt(method: string, url: string, payload: string | undefined, signal?: AbortSignal) {
    const timeout = AbortSignal.timeout(this.options.attemptTimeoutMs ?? 30_000);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          'user-agent': this.options.userAgent,
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload !== undefined ? { body: payload } : {}),
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = timeout.aborted
        ? 'no answer in time'
        : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new ControlPlaneError(`the control plane is unreachable (${reason})`, undefined, { cause: err });
    }
    const text = await readLimited(res);
    if (res.status >= 200 && res.status < 300) {
      if (!text.trim()) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new InvalidInputError(`the control plane answered ${res.status} with a body that is not JSON`);
      }
    }
    throw new ControlPlaneError(`HTTP ${res.status}${apiMessage(text)}`, res.status);
  }
}

function isRetryable(err: ControlPlaneError): boolean {
  const s = err.status;
  return s === undefined || s === 408 || s === 429 || s >= 500;
}

/** `: <error> (<details>)` from the API's `{error, details}` body, kept short. */
function apiMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; details?: unknown };
    if (typeof body.error === 'string') {
      const details = typeof body.details === 'string' && body.details ? ` (${body.details})` : '';
      return `: ${`${body.error}${details}`.slice(0, 500)}`;
    }
  } catch {
    // not JSON
  }
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain ? `: ${plain.slice(0, 200)}` : '';
}

async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      throw new InvalidInputError(`the control plane's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
