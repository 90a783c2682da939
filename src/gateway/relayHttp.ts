import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Upstream } from './GatewayConfig.js';

// The HTTP plumbing of a relayed call: which headers cross, the bounded request body, JSON answers.

/** Request headers that describe one hop, or that the gateway sets itself. */
const DROP_REQUEST = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'accept-encoding',
  // Whatever credential header an agent sends, on any wire, stays here (only the wire's real key goes on).
  'x-api-key',
  'authorization',
  'x-goog-api-key',
  'api-key',
]);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade']);

/** The agent's headers minus hop-by-hop ones and its credentials, plus the real key. */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  upstream: Upstream,
  length: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || DROP_REQUEST.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // Plain bytes, so usage can be read on the way (and passed on unchanged).
  out['accept-encoding'] = 'identity';
  if (length > 0) out['content-length'] = String(length);
  if (upstream.auth) out[upstream.auth[0]] = upstream.auth[1];
  return out;
}

export function responseHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROP_RESPONSE.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The request body, or 'too_large' past the limit (its Content-Length is checked before reading). */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return 'too_large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return 'too_large';
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

export function causeOf(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
}
