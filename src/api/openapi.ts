import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorKind } from '../jobs/ErrorKind.js';
import { JobSource } from '../jobs/JobSource.js';
import { JobSpec } from '../jobs/JobSpec.js';
import { JobStatus } from '../jobs/JobStatus.js';
import { OutputEntry } from '../jobs/OutputEntry.js';

type Json = Record<string, unknown>;

/** JSON Schema of a zod type, without the $schema key (OpenAPI 3.1 components use the same dialect). */
function schemaOf(type: z.ZodType, io: 'input' | 'output' = 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(type, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const nullable = (type: string): Json => ({ type: [type, 'null'] });
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = (...codes: number[]): Json =>
  Object.fromEntries(
    codes.map((code) => [code, { $ref: `#/components/responses/${ERROR_RESPONSES[code] ?? 'Error'}` }]),
  );
const ERROR_RESPONSES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  409: 'Conflict',
  413: 'TooLarge',
  429: 'RateLimited',
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const queryParam = (name: string, schema: Json, description: string) => ({
  name,
  in: 'query',
  required: false,
  schema,
  description,
});

/** The public job record (publicJob), written out by hand: it is a TypeScript interface, not a schema. */
const JobRecordSchema: Json = {
  type: 'object',
  required: ['id', 'status', 'spec', 'repo', 'branch', 'agent', 'createdAt', 'attempts'],
  properties: {
    id: { type: 'string' },
    status: schemaOf(JobStatus),
    spec: ref('JobSpec'),
    repo: { type: 'string' },
    baseRef: nullable('string'),
    branch: { type: 'string' },
    agent: { type: 'string' },
    commit: nullable('string'),
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: { type: ['string', 'null'], format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    durationMs: nullable('integer'),
    exitCode: nullable('integer'),
    errorKind: { anyOf: [schemaOf(ErrorKind), { type: 'null' }] },
    errorMessage: nullable('string'),
    attempts: { type: 'integer' },
    runnerId: nullable('string'),
    costUsd: nullable('number'),
    turns: nullable('integer'),
    inputTokens: nullable('integer'),
    cachedInputTokens: nullable('integer'),
    outputTokens: nullable('integer'),
    prUrl: nullable('string'),
    phase: nullable('string'),
    source: { anyOf: [schemaOf(JobSource), { type: 'null' }] },
  },
};

export function buildOpenApiDocument(version: string): Json {
  const bearer = [{ bearer: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Drover API',
      version,
      description:
        'Submit coding-agent jobs, follow their output live (Server-Sent Events) and cancel them. ' +
        'Every /api route needs `Authorization: Bearer <token>`.',
    },
    security: bearer,
    paths: {
      '/api/jobs': {
        post: {
          summary: 'Create a job',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('JobSpec') } },
          },
          responses: { 201: json(ref('Job'), 'The queued job'), ...errors(400, 401, 413, 429) },
        },
        get: {
          summary: 'List jobs, newest first',
          parameters: [
            queryParam('status', schemaOf(JobStatus), 'only jobs with this status'),
            queryParam('repo', { type: 'string' }, 'only jobs on this repo (exact)'),
            queryParam('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }, 'page size'),
            queryParam('cursor', { type: 'string' }, 'nextCursor of the previous page'),
          ],
          responses: {
            200: json(
              {
                type: 'object',
                required: ['jobs', 'nextCursor'],
                properties: { jobs: { type: 'array', items: ref('Job') }, nextCursor: nullable('string') },
              },
              'A page of jobs',
            ),
            ...errors(400, 401),
          },
        },
      },
      '/api/jobs/{id}': {
        get: {
          summary: 'Get a job',
          parameters: [idParam],
          responses: { 200: json(ref('Job'), 'The job'), ...errors(400, 401, 404) },
        },
      },
      '/api/jobs/{id}/cancel': {
        post: {
          summary: 'Cancel a job',
          parameters: [idParam],
          responses: {
            200: json(ref('Job'), 'The job was queued and is now cancelled'),
            202: json(ref('Job'), 'The job is running; its runner was asked to stop it'),
            ...errors(400, 401, 404, 409),
          },
        },
      },
      '/api/jobs/{id}/logs': {
        get: {
          summary: 'A page of the job output (masked)',
          parameters: [
            idParam,
            queryParam('after', { type: 'integer', minimum: 0, default: 0 }, 'entries with seq above this'),
            queryParam('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 500 }, 'page size'),
          ],
          responses: {
            200: json(
              {
                type: 'object',
                required: ['entries', 'nextAfter', 'done'],
                properties: {
                  entries: { type: 'array', items: ref('OutputEntry') },
                  nextAfter: { type: 'integer', description: 'pass as `after` for the next page' },
                  done: { type: 'boolean', description: 'the job ended and this page has its last entry' },
                },
              },
              'Output entries in seq order',
            ),
            ...errors(400, 401, 404),
          },
        },
      },
      '/api/jobs/{id}/events': {
        get: {
          summary: 'Follow the job live (Server-Sent Events)',
          description:
            'Each output entry is an event with `id` = its seq, `event` = `stdout`, `stderr`, `agent`, ' +
            '`system`, `phase`, `status` or `end`, and `data` = the entry as JSON. `job` events (no id) carry ' +
            'the job record when its status or phase changes. Resumes after `Last-Event-ID` (or `?after=`): ' +
            'no gap, no duplicate. The stream ends once the job is terminal and every entry is out, the terminal `job` record last. ' +
            'Comments (`: ping`) keep idle connections open.',
          parameters: [
            idParam,
            queryParam(
              'after',
              { type: 'integer', minimum: 0 },
              'resume after this seq (Last-Event-ID wins)',
            ),
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'integer', minimum: 0 } },
          ],
          responses: {
            200: {
              description: 'The event stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            204: { description: 'The job ended and the client has seen everything' },
            ...errors(400, 401, 404),
          },
        },
      },
      '/api/jobs/{id}/artifacts': {
        get: {
          summary: 'List the job artifacts',
          parameters: [idParam],
          responses: {
            200: json(
              {
                type: 'object',
                properties: {
                  artifacts: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['name', 'size', 'modifiedAt', 'contentType'],
                      properties: {
                        name: { type: 'string' },
                        size: { type: 'integer' },
                        modifiedAt: { type: 'string', format: 'date-time' },
                        contentType: { type: 'string' },
                      },
                    },
                  },
                },
              },
              'Artifacts',
            ),
            ...errors(400, 401, 404),
          },
        },
      },
      '/api/jobs/{id}/artifacts/{name}': {
        get: {
          summary: 'Download one artifact',
          parameters: [idParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'The artifact (attachment)' }, ...errors(400, 401, 404) },
        },
      },
      '/healthz': {
        get: { summary: 'Process alive', security: [], responses: { 200: { description: 'ok' } } },
      },
      '/readyz': {
        get: {
          summary: 'Store reachable',
          security: [],
          responses: { 200: { description: 'ready' }, 503: { description: 'store unreachable' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { 200: { description: 'text format' } },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        JobSpec: schemaOf(JobSpec, 'input'),
        Job: JobRecordSchema,
        OutputEntry: schemaOf(OutputEntry),
        Error: {
          type: 'object',
          required: ['error', 'code'],
          properties: {
            error: { type: 'string' },
            code: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                required: ['path', 'message'],
                properties: { path: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
      responses: {
        Error: json(ref('Error'), 'Error'),
        BadRequest: json(ref('Error'), 'Invalid input; `issues` names each field'),
        Unauthorized: json(ref('Error'), 'Missing or invalid bearer token'),
        NotFound: json(ref('Error'), 'No such job'),
        Conflict: json(ref('Error'), 'The job already ended'),
        TooLarge: json(ref('Error'), 'The body is larger than the limit'),
        RateLimited: json(ref('Error'), 'Too many job creations; retry later'),
      },
    },
  };
}

export function registerOpenApiRoute(app: FastifyInstance, version: string): void {
  let doc: Json | undefined;
  app.get('/api/openapi.json', async () => {
    doc ??= buildOpenApiDocument(version);
    return doc;
  });
}
