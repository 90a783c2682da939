import type { FastifyInstance } from 'fastify';
import type { JobStore } from '../store/types.js';

const READY_TIMEOUT_MS = 2000;

/** /healthz: the process answers. /readyz: the store answers too (503 otherwise). No auth. */
export function registerHealthRoutes(app: FastifyInstance, store: JobStore): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${READY_TIMEOUT_MS}ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
      return { status: 'ready', store: store.kind };
    } catch (err) {
      request.log.warn({ err }, 'store not ready');
      return reply.code(503).send({
        status: 'unavailable',
        store: store.kind,
        error: `store unreachable: ${(err as Error).message}`,
      });
    } finally {
      clearTimeout(timer);
    }
  });
}
