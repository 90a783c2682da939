import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts a fake external service on 127.0.0.1 (a free port) and returns its URL and a close() that
 * drops kept-alive connections first, so clients that hold them (CLIs, octokit) never make it hang.
 */
export async function listenLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
