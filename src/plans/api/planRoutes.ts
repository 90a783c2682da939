import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../../api/ApiDeps.js';
import { parseRequest } from '../../api/schemas.js';
import { resumeAfter, serveEventStream } from '../../api/serveEventStream.js';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { assertLocalRepoAllowed } from '../../jobs/localRepoAccess.js';
import { applyPlan } from '../applyPlan.js';
import { parsePlan } from '../parsePlan.js';
import { approveTask, promoteTask, retryTask, reworkTask, setPaused } from '../planActions.js';
import { planSummary, planView } from '../planView.js';
import { runKickoff } from './kickoffRoute.js';
import type { PlanRoutesOptions } from './PlanRoutesOptions.js';
import { LedgerQuery, PlanParams, ReworkBody, TaskParams } from './planSchemas.js';
import { streamPlanEvents } from './streamPlanEvents.js';

/** The plans' HTTP API under /api/plans (same auth as the rest of /api); see the OpenAPI document. */
export function planRoutes(opts: PlanRoutesOptions): (app: FastifyInstance, deps: ApiDeps) => void {
  const { plans } = opts;
  const limited = { config: { rateLimit: { max: opts.createPerMinute, timeWindow: 60_000 } } };
  const mustGet = async (name: string) => {
    const plan = await plans.get(name);
    if (!plan) throw new NotFoundError(`No plan named ${name}.`);
    return plan;
  };
  return (app, deps) => {
    app.get('/api/plans', async () => ({ plans: (await plans.list()).map(planSummary) }));

    app.post('/api/plans', limited, async (request, reply) => {
      if (request.body === undefined) {
        throw new InvalidInputError('body: a plan JSON object is required', [
          { path: 'body', message: 'a plan JSON object is required' },
        ]);
      }
      const plan = parsePlan(request.body);
      // Its runs are jobs from a remote submitter: a local repository needs DROVER_ALLOW_LOCAL_REPOS.
      await assertLocalRepoAllowed(plan.repo, { trusted: false, policy: deps.localRepos });
      const result = await applyPlan(plans, plan, opts.resolveSpec);
      request.log.info(
        { plan: result.name, created: result.created, added: result.added.length },
        'plan applied',
      );
      return reply
        .code(result.created ? 201 : 200)
        .header('location', `/api/plans/${result.name}`)
        .send(result);
    });

    app.post('/api/plans/kickoff', limited, async (request, reply) => {
      const { status, body } = await runKickoff(request, reply, deps, opts);
      return reply.code(status).send(body);
    });

    app.get('/api/plans/:name', async (request) => {
      const { name } = parseRequest(PlanParams, request.params, 'path');
      return planView(await mustGet(name), await plans.leaseHolder(name));
    });

    for (const [action, paused] of [
      ['pause', true],
      ['resume', false],
    ] as const) {
      app.post(`/api/plans/:name/${action}`, async (request) => {
        const { name } = parseRequest(PlanParams, request.params, 'path');
        await mustGet(name);
        const plan = await setPaused(plans, name, paused);
        request.log.info({ plan: name }, `plan ${action}d`);
        return planView(plan, await plans.leaseHolder(name));
      });
    }

    const taskActions = {
      approve: (name: string, task: string) => approveTask(plans, name, task),
      retry: (name: string, task: string) => retryTask(plans, name, task),
      promote: (name: string, task: string) => promoteTask(plans, name, task),
      rework: (name: string, task: string, body: unknown) =>
        reworkTask(plans, name, task, parseRequest(ReworkBody, body, 'body').comment),
    };
    for (const [action, act] of Object.entries(taskActions)) {
      app.post(`/api/plans/:name/tasks/:task/${action}`, async (request) => {
        const { name, task } = parseRequest(TaskParams, request.params, 'path');
        const view = await act(name, task, request.body);
        request.log.info({ plan: name, task, status: view.status }, `task ${action}`);
        return view;
      });
    }

    app.get('/api/plans/:name/ledger', async (request) => {
      const { name } = parseRequest(PlanParams, request.params, 'path');
      const { after, limit } = parseRequest(LedgerQuery, request.query, 'query');
      await mustGet(name);
      const events = await plans.events(name, after, limit);
      return { events, nextAfter: events.at(-1)?.seq ?? after };
    });

    app.get('/api/plans/:name/events', { exposeHeadRoute: false }, async (request, reply) => {
      const { name } = parseRequest(PlanParams, request.params, 'path');
      const after = resumeAfter(request);
      await mustGet(name);
      const pollMs = Math.max(deps.sse.pollMs, 250);
      await serveEventStream(
        request,
        reply,
        deps,
        (conn) => streamPlanEvents(conn, plans, name, after, { pollMs }),
        { message: 'plan event stream failed', logFields: { plan: name } },
      );
    });
  };
}
