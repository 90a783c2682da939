import type { IncomingMessage } from 'node:http';

/** A request as the fake services record it. */
export interface ReadRequest {
  method: string;
  /** Raw path (percent-encoding kept) without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
}

/** Reads a whole request (rejects when the client cuts it off). */
export async function readRequest(req: IncomingMessage): Promise<ReadRequest> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body: await readRequestBody(req),
  };
}

/** A request's body: parsed JSON when it is JSON, else the raw text; undefined when empty. */
export async function readRequestBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
