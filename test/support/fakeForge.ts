import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLoopback } from './listenLoopback.js';
import { readRequestBody } from './requestBody.js';

// Shared plumbing of the fake GitHub and GitLab REST servers: loopback HTTP, JSON bodies, and a
// record of every request so tests assert what the forge actually received.

export interface ForgeRequest {
  method: string;
  /** Raw path (percent-encoding kept) without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status?: number;
}

export type ForgeHandler = (req: ForgeRequest) => { status: number; body: unknown } | undefined;

export interface FakeForge {
  url: string;
  requests: ForgeRequest[];
  close(): Promise<void>;
}

export async function startFakeForge(handle: ForgeHandler): Promise<FakeForge> {
  const requests: ForgeRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readRequestBody(req).then(
      (body) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const record: ForgeRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body,
        };
        requests.push(record);
        const answer = handle(record) ?? { status: 404, body: { message: 'Not Found' } };
        record.status = answer.status;
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(answer.body));
      },
      // A request cut off mid-body gets no answer.
      () => req.socket.destroy(),
    );
  });
  const { url, close } = await listenLoopback(server);
  return { url, requests, close };
}
