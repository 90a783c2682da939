import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLoopback } from './listenLoopback.js';
import { type ReadRequest, readRequest } from './readRequest.js';

// Shared plumbing of the fake GitHub and GitLab REST servers: loopback HTTP, JSON bodies, and a
// record of every request so tests assert what the forge actually received.

export interface ForgeRequest extends ReadRequest {
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
    void readRequest(req).then(
      (record: ForgeRequest) => {
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
