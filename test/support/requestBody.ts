import type { IncomingMessage } from 'node:http';

/**
 * A request's body as the fake services record it: parsed JSON when it is JSON, else the raw text;
 * undefined when empty.
 */
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
