import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorKind } from '../jobs/ErrorKind.js';
import { JobSource } from '../jobs/JobSource.js';
import { JobSpec } from '../jobs/JobSpec.js';
import { JOB_STATUSES } from '../jobs/JobStatus.js';
import { OutputEntry } from '../jobs/OutputEntry.js';
import { REVIEW_VERDICTS } from '../jobs/ReviewVerdict.js';
import { KickoffBody } from '../plans/api/planSchemas.js';
import { PlanEvent } from '../plans/PlanEvent.js';
import { PlanFile, PlanSettings } from '../plans/PlanFile.js';
import { TaskStatus } from '../plans/TaskStatus.js';

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
    status: schemaOf(z.enum(JOB_STATUSES)),
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
    verdict: { anyOf: [schemaOf(z.enum(REVIEW_VERDICTS)), { type: 'null' }] },
    findings: nullable('string'),
  },
};

// Plans: the views are TypeScript (plans/planView.ts), written out here; inputs come from the schemas.
const nameParam = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'plan name',
};
const taskParam = {
  name: 'task',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'task id',
};
const RunSchema: Json = {
  type: 'object',
  required: ['jobId', 'role', 'status', 'verdict', 'startedAt', 'finishedAt'],
  properties: {
    jobId: { type: 'string', description: 'the run id is the job id' },
    role: { enum: ['executor', 'reviewer'] },
    seq: { type: 'integer' },
    purpose: { enum: ['start', 'review', 'rework', 'retry'] },
    status: schemaOf(z.enum(JOB_STATUSES)),
    verdict: { anyOf: [schemaOf(z.enum(REVIEW_VERDICTS)), { type: 'null' }] },
    classification: { enum: ['transient', 'permanent', null] },
    errorKind: nullable('string'),
    errorMessage: nullable('string'),
    costUsd: nullable('number'),
    prUrl: nullable('string'),
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: { type: ['string', 'null'], format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};
const TaskSchema: Json = {
  type: 'object',
  required: ['id', 'status', 'dependsOn', 'branch', 'prUrl', 'runs'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    status: schemaOf(TaskStatus),
    statusSince: { type: 'string', format: 'date-time' },
    priority: { enum: ['P0', 'P1', 'P2'] },
    dependsOn: { type: 'array', items: { type: 'string' } },
    acceptance: { type: 'array', items: { type: 'string' } },
    branch: { type: 'string', description: 'drover/<plan>/<task>' },
    base: {
      ...nullable('string'),
      description: 'the ref its branch started from (a dependency’s branch when stacked)',
    },
    commit: nullable('string'),
    prUrl: nullable('string'),
    verdict: { anyOf: [schemaOf(z.enum(REVIEW_VERDICTS)), { type: 'null' }] },
    costUsd: nullable('number'),
    reviewCycles: { type: 'integer' },
    retries: { type: 'integer' },
    blocked: {
      anyOf: [
        {
          type: 'object',
          properties: {
            classification: { enum: ['transient', 'permanent'] },
            errorKind: { type: 'string' },
            reason: { type: 'string' },
            at: { type: 'string', format: 'date-time' },
            jobId: { type: 'string' },
          },
        },
        { type: 'null' },
      ],
    },
    waiting: nullable('string'),
    feedback: {
      type: ['object', 'null'],
      description: 'findings or a rework comment the next executor run gets',
    },
    runs: { type: 'array', items: ref('PlanRun') },
  },
};
const PlanSummarySchema: Json = {
  type: 'object',
  required: ['name', 'status', 'repo', 'tasks', 'counts'],
  properties: {
    name: { type: 'string' },
    status: { enum: ['active', 'paused', 'done'] },
    repo: { type: 'string' },
    baseRef: nullable('string'),
    tasks: { type: 'integer' },
    counts: { type: 'object', additionalProperties: { type: 'integer' }, description: 'tasks per status' },
    costUsd: { type: 'number' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const PlanViewSchema: Json = {
  allOf: [
    ref('PlanSummary'),
    {
      type: 'object',
      properties: {
        paused: { type: 'boolean' },
        completedAt: { type: ['string', 'null'], format: 'date-time' },
        settings: schemaOf(PlanSettings),
        defaults: { type: 'object' },
        orchestrator: {
          type: ['object', 'null'],
          properties: {
            holder: { type: 'string' },
            host: { type: 'string' },
            pid: { type: 'integer' },
            until: { type: 'string', format: 'date-time' },
          },
        },
        tasks: { type: 'array', items: ref('PlanTask') },
      },
    },
  ],
};
const ApplyResultSchema: Json = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    created: { type: 'boolean' },
    added: { type: 'array', items: { type: 'string' } },
    updated: { type: 'array', items: { type: 'string' } },
    unchanged: { type: 'array', items: { type: 'string' } },
    skipped: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, reason: { type: 'string' } } },
    },
    kept: { type: 'array', items: { type: 'string' } },
  },
};
const taskAction = (summary: string, description: string, body?: Json): Json => ({
  post: {
    summary,
    description,
    parameters: [nameParam, taskParam],
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses: { 200: json(ref('PlanTask'), 'The task after the move'), ...errors(400, 401, 404, 409) },
  },
});

/** The /api/plans paths. */
function planPaths(): Json {
  return {
    '/api/plans': {
      get: {
        summary: 'List plans',
        responses: {
          200: json(
            { type: 'object', properties: { plans: { type: 'array', items: ref('PlanSummary') } } },
            'Plans',
          ),
          ...errors(401),
        },
      },
      post: {
        summary: 'Create or update a plan',
        description:
          'New tasks are added; tasks not started take the new definition; nothing running is disturbed. Dangling dependencies and cycles are refused (400, naming the tasks).',
        requestBody: { required: true, content: { 'application/json': { schema: ref('PlanFile') } } },
        responses: {
          201: json(ref('PlanApplyResult'), 'Created'),
          200: json(ref('PlanApplyResult'), 'Updated'),
          ...errors(400, 401, 413, 429),
        },
      },
    },
    '/api/plans/kickoff': {
      post: {
        summary: 'A planner agent proposes a plan for a goal',
        description:
          'Runs the planner as read-only jobs on the workers and waits for them; an invalid or cyclic proposal is regenerated once. `dryRun` returns the plan without creating it.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: schemaOf(KickoffBody, 'input') } },
        },
        responses: {
          200: json(
            { type: 'object', properties: { plan: ref('PlanFile'), attempts: { type: 'array' } } },
            'Dry run',
          ),
          201: json(
            {
              type: 'object',
              properties: {
                plan: ref('PlanFile'),
                apply: ref('PlanApplyResult'),
                attempts: { type: 'array' },
              },
            },
            'Created',
          ),
          422: json(ref('Error'), 'The planner did not propose a valid plan, or its job failed'),
          ...errors(400, 401, 429),
        },
      },
    },
    '/api/plans/{name}': {
      get: {
        summary: 'A plan: its tasks, their runs, its orchestrator',
        parameters: [nameParam],
        responses: { 200: json(ref('Plan'), 'The plan'), ...errors(400, 401, 404) },
      },
    },
    '/api/plans/{name}/pause': {
      post: {
        summary: 'Pause: no new runs (runs in flight finish)',
        parameters: [nameParam],
        responses: { 200: json(ref('Plan'), 'The plan'), ...errors(400, 401, 404) },
      },
    },
    '/api/plans/{name}/resume': {
      post: {
        summary: 'Resume a paused plan',
        parameters: [nameParam],
        responses: { 200: json(ref('Plan'), 'The plan'), ...errors(400, 401, 404) },
      },
    },
    '/api/plans/{name}/tasks/{task}/approve': taskAction(
      'Approve (needs_human → done)',
      'A person approves the change the reviewer passed.',
    ),
    '/api/plans/{name}/tasks/{task}/rework': taskAction(
      'Ask for rework (needs_human → in_review)',
      'The executor fixes up the same branch with the comment (verbatim), then the reviewer runs again.',
      {
        type: 'object',
        required: ['comment'],
        properties: { comment: { type: 'string', minLength: 1, maxLength: 16000 } },
      },
    ),
    '/api/plans/{name}/tasks/{task}/retry': taskAction(
      'Retry (blocked → ready)',
      'A person retries a blocked task.',
    ),
    '/api/plans/{name}/tasks/{task}/promote': taskAction(
      'Promote (backlog → ready)',
      'For plans with autoPromote off: a task whose dependencies are done.',
    ),
    '/api/plans/{name}/ledger': {
      get: {
        summary: 'A page of the plan’s ledger events',
        parameters: [
          nameParam,
          queryParam('after', { type: 'integer', minimum: 0, default: 0 }, 'events with seq above this'),
          queryParam('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 500 }, 'page size'),
        ],
        responses: {
          200: json(
            {
              type: 'object',
              properties: {
                events: { type: 'array', items: ref('PlanEvent') },
                nextAfter: { type: 'integer' },
              },
            },
            'Events in seq order',
          ),
          ...errors(400, 401, 404),
        },
      },
    },
    '/api/plans/{name}/events': {
      get: {
        summary: 'Follow the plan’s ledger live (Server-Sent Events)',
        description:
          'Each ledger event as `id` = its seq, `event` = its type (`task.assigned`, `review.outcome`…), `data` = the event JSON; a `plan` event (no id) carries the plan after each batch. Resumes after `Last-Event-ID` (or `?after=`). The stream stays open until the client leaves.',
        parameters: [
          nameParam,
          queryParam('after', { type: 'integer', minimum: 0 }, 'resume after this seq (Last-Event-ID wins)'),
          { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'integer', minimum: 0 } },
        ],
        responses: {
          200: {
            description: 'The event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors(400, 401, 404),
        },
      },
    },
  };
}

export function buildOpenApiDocument(version: string): Json {
  const bearer = [{ bearer: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Drover API',
      version,
      description:
        'Submit coding-agent jobs, follow their output live (Server-Sent Events) and cancel them; run plans of dependent tasks. ' +
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
            queryParam('status', schemaOf(z.enum(JOB_STATUSES)), 'only jobs with this status'),
            queryParam(
              'repo',
              { type: 'string', minLength: 1, maxLength: 2048 },
              'only jobs whose repo URL or path contains this text (case-insensitive)',
            ),
            queryParam(
              'q',
              { type: 'string', minLength: 1, maxLength: 500 },
              'free-text search (case-insensitive substring) in the job id, repo, branch, prompt and source ' +
                '(author, URL, plan, task). On the Redis store a filtered page scans a bounded number of jobs: ' +
                'fewer results than `limit` with a `nextCursor` means "continue from there"',
            ),
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
      ...planPaths(),
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
        PlanFile: schemaOf(PlanFile, 'input'),
        PlanApplyResult: ApplyResultSchema,
        PlanSummary: PlanSummarySchema,
        Plan: PlanViewSchema,
        PlanTask: TaskSchema,
        PlanRun: RunSchema,
        PlanEvent: schemaOf(PlanEvent),
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
        NotFound: json(ref('Error'), 'No such job, plan or task'),
        Conflict: json(
          ref('Error'),
          'The job already ended, or the task cannot make that move (E_INVALID_MOVE)',
        ),
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
