import { Redis, ReplyError } from 'ioredis';
import type { Logger } from 'pino';

/** The URL with its password hidden, for logs and error messages. */
export function maskRedisUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon >= 0 ? `${auth.slice(0, colon)}:***` : '***'}@`;
  });
}

const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|READONLY|CLUSTERDOWN)\b/;
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * True for failures that go away when Redis is reachable again (worth buffering and retrying), false
 * for replies Redis gave on purpose (a script error, a wrong type) which a retry cannot fix.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ReplyError) return TRANSIENT_REPLY.test(err.message);
  const code = (err as NodeJS.ErrnoException).code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Command timed out|enableOfflineQueue/i.test(
      err.message,
    )
  );
}

/** The latest socket-level error of each client, to explain a failed first connection. */
export const lastConnectionError = new WeakMap<Redis, Error>();

export interface RedisClientOptions {
  logger: Logger;
  /** Shown in CLIENT LIST, handy when debugging a shared Redis. */
  name: string;
  /** Report connection loss and recovery (only one client per process should, to keep logs short). */
  reportConnection?: boolean;
}

/**
 * An ioredis client that reconnects forever with capped exponential backoff plus jitter. A command sent
 * while disconnected fails after a couple of reconnect attempts instead of hanging, so callers can
 * buffer it and retry (they decide how long).
 */
export function createRedisClient(url: string, opts: RedisClientOptions): Redis {
  const client = new Redis(url, {
    connectionName: opts.name,
    // RESP2 reply shapes (XREADGROUP as [[stream, entries]]), the same as redis-cli and Lua see.
    protocol: 2,
    maxRetriesPerRequest: 2,
    connectTimeout: 5000,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000) + Math.floor(Math.random() * 100),
  });
  // Before the first ready, failures are the caller's to report (connect() fails with the reason).
  let everReady = false;
  let lost = false;
  const reportLoss = (message: string, err?: Error) => {
    if (!opts.reportConnection || !everReady || lost || client.status === 'end') return;
    lost = true;
    opts.logger.warn(
      err ? { err: { message: err.message, code: (err as NodeJS.ErrnoException).code } } : {},
      `${message}; reconnecting with backoff (running jobs keep running, writes are retried)`,
    );
  };
  client.on('error', (err: Error) => {
    lastConnectionError.set(client, err);
    reportLoss('Redis connection lost', err);
  });
  client.on('close', () => reportLoss('Redis connection closed'));
  client.on('ready', () => {
    if (lost) opts.logger.warn('Redis connection restored');
    everReady = true;
    lost = false;
  });
  return client;
}
