import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.js';
import type { ForgeDeps } from './ForgeDeps.js';
import { handleTrigger } from './ForgeIntake.js';
import { parseGitHubEvent } from './github/gitHubEvents.js';
import { parseGitLabEvent } from './gitlab/gitLabEvents.js';
import type { ParsedWebhook } from './types.js';
import { gitHubVerifier, gitLabVerifier } from './verifyWebhook.js';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function missingHeader(name: string): InvalidInputError {
  return new InvalidInputError(`The ${name} header is missing`, [
    { path: `headers.${name}`, message: 'is required' },
  ]);
}

/**
 * `POST /webhooks/github` and `POST /webhooks/gitlab`, in a plugin of their own: the body is kept as
 * raw bytes (the signature covers them exactly) and the API's bearer auth does not apply — the forge's
 * signature or token does. A forge without a secret answers 503; nothing unsigned is ever read.
 */
export function webhookRoutes(deps: ForgeDeps | undefined): FastifyPluginAsync {
  const config = deps?.config;
  const verifyGitHub = config?.githubSecret ? gitHubVerifier(config.githubSecret) : undefined;
  const verifyGitLab = config?.gitlabSecret ? gitLabVerifier(config.gitlabSecret) : undefined;
  const words = { mention: config?.mention ?? '@drover', label: config?.label ?? 'drover' };
  const maxBytes = config?.webhookMaxBytes ?? 5 * 1024 * 1024;

  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => readBounded(request, payload, maxBytes, done));
    // Above the drain bound, so the parser below answers for sizes (Fastify's own check would not drain).
    const routeOptions = { bodyLimit: maxBytes * DRAIN_FACTOR + 1 };

    app.post('/webhooks/github', routeOptions, async (request, reply) => {
      if (!verifyGitHub) return notConfigured(reply, 'GitHub', 'DROVER_GITHUB_WEBHOOK_SECRET');
      const raw = rawBody(request);
      if (!(await verifyGitHub(raw, header(request, 'x-hub-signature-256')))) {
        return unauthorized(
          reply,
          'The X-Hub-Signature-256 signature is missing or does not match the webhook secret.',
        );
      }
      const event = header(request, 'x-github-event');
      if (!event) throw missingHeader('x-github-event');
      const delivery = header(request, 'x-github-delivery');
      if (!delivery) throw missingHeader('x-github-delivery');
      const payload = parseJson(request, raw);
      return answer(reply, parseGitHubEvent(event, boundedId(delivery), payload, words));
    });

    app.post('/webhooks/gitlab', routeOptions, async (request, reply) => {
      if (!verifyGitLab) return notConfigured(reply, 'GitLab', 'DROVER_GITLAB_WEBHOOK_SECRET');
      if (!verifyGitLab(header(request, 'x-gitlab-token'))) {
        return unauthorized(
          reply,
          'The X-Gitlab-Token header is missing or does not match the webhook secret.',
        );
      }
      const raw = rawBody(request);
      const event = header(request, 'x-gitlab-event');
      if (!event) throw missingHeader('x-gitlab-event');
      // Idempotency-Key stays the same across GitLab's retries; older GitLab sends only the event UUID.
      const delivery =
        header(request, 'idempotency-key') ??
        header(request, 'x-gitlab-event-uuid') ??
        `sha256-${createHash('sha256').update(raw).digest('hex')}`;
      const payload = parseJson(request, raw);
      return answer(reply, parseGitLabEvent(event, boundedId(delivery), payload, words));
    });
  };

  async function answer(reply: FastifyReply, parsed: ParsedWebhook) {
    if (parsed.type === 'ping') return reply.code(200).send({ status: 'pong' });
    if (parsed.type === 'ignore') return reply.code(202).send({ status: 'ignored', reason: parsed.reason });
    // A verifier exists only with a config, and a config only with deps.
    const result = await handleTrigger(deps!, parsed.trigger);
    return reply.code(result.statusCode).send(result.body);
  }
}

/** A body this many times the limit is still read (and dropped) so the 413 reaches the sender. */
const DRAIN_FACTOR = 4;

/**
 * Reads the raw bytes up to `maxBytes`. A larger body is read to its end and dropped before the 413
 * (up to DRAIN_FACTOR × the limit): a server that answers and closes while the sender still writes
 * resets the connection, and the sender never sees the answer. Anything larger is cut off at once.
 */
function readBounded(
  request: FastifyRequest,
  payload: NodeJS.ReadableStream,
  maxBytes: number,
  done: (err: Error | null, body?: Buffer) => void,
): void {
  const tooLarge = () =>
    Object.assign(new Error(`Request body is too large (the limit is ${maxBytes} bytes)`), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
  const declared = Number(header(request, 'content-length'));
  if (declared > maxBytes * DRAIN_FACTOR) {
    done(tooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    payload.removeListener('data', onData);
    done(err, body);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
    else {
      chunks.length = 0;
      if (size > maxBytes * DRAIN_FACTOR) finish(tooLarge());
    }
  };
  payload.on('data', onData);
  payload.once('end', () => finish(size > maxBytes ? tooLarge() : null, Buffer.concat(chunks)));
  payload.once('error', (err: Error) => finish(err));
}

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function parseJson(request: FastifyRequest, raw: Buffer): unknown {
  const type = (header(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    // 415 through the shared error handler (it keeps a 4xx status and code as they are).
    throw Object.assign(
      new Error(
        `The webhook must be sent as application/json, not ${type || 'without a content type'} (see its settings)`,
      ),
      { statusCode: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' },
    );
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new InvalidInputError(`The body is not valid JSON: ${(err as Error).message}`, [
      { path: 'body', message: 'is not valid JSON' },
    ]);
  }
}

/** Delivery ids go into keys: bounded and printable. */
function boundedId(id: string): string {
  const clean = id.replace(/[^\x21-\x7e]/g, '');
  return clean.length > 0 && clean.length <= 128
    ? clean
    : `sha256-${createHash('sha256').update(id).digest('hex')}`;
}

function notConfigured(reply: FastifyReply, forge: string, variable: string) {
  return reply.code(503).send({
    error: `${forge} webhooks are not configured on this server: set ${variable} (and ${forge} credentials).`,
    code: 'E_FORGE_NOT_CONFIGURED',
  });
}

function unauthorized(reply: FastifyReply, message: string) {
  return reply.code(401).send({ error: message, code: 'E_BAD_SIGNATURE' });
}
