import type { FastifyError, FastifyInstance } from 'fastify';
import {
  ConflictError,
  type DroverError,
  InvalidInputError,
  NotFoundError,
  UnauthorizedError,
} from '../errors.js';

export const WWW_AUTHENTICATE = 'Bearer realm="drover"';

/**
 * One JSON error shape for every failure: `{ error, code, issues? }`. Our DroverErrors map to their
 * HTTP status; Fastify's own errors (413 body too large, 415, bad JSON, 429 rate limit) keep theirs.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | DroverError, request, reply) => {
    if (err instanceof InvalidInputError) {
      return reply.code(400).send({ error: err.message, code: err.code, issues: err.issues });
    }
    if (err instanceof UnauthorizedError) {
      return reply
        .code(401)
        .header('www-authenticate', WWW_AUTHENTICATE)
        .send({ error: err.message, code: err.code });
    }
    if (err instanceof NotFoundError) return reply.code(404).send({ error: err.message, code: err.code });
    if (err instanceof ConflictError) return reply.code(409).send({ error: err.message, code: err.code });
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const body: Record<string, unknown> = { error: err.message, code: err.code ?? `E_HTTP_${status}` };
      if (status === 400) body.issues = [{ path: 'body', message: err.message }];
      return reply.code(status).send(body);
    }
    request.log.error({ err }, 'request failed');
    return reply
      .code(500)
      .send({ error: 'Internal server error', code: 'E_INTERNAL', requestId: String(request.id) });
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: `No route ${request.method} ${request.url.split('?')[0]}`, code: 'E_NOT_FOUND' });
  });
}
