import { ForgeApiError, InvalidInputError } from '../errors.js';
import { newJobId } from '../jobs/ids.js';
import type { JobSource } from '../jobs/JobSource.js';
import type { JobSpec } from '../jobs/JobSpec.js';
import { repoIsConfigured, withRepoDefaults } from '../jobs/resolveJobSpec.js';
import { buildPrompt } from './buildPrompt.js';
import { type RefusalReason, refusalBody } from './commentBodies.js';
import type { ForgeDeps } from './ForgeDeps.js';
import type { ForgeTask } from './ForgeTask.js';
import { isDroverComment } from './mention.js';
import { markWaiting, pub, startTask } from './startTask.js';
import type { ForgeApi, PullInfo, Trigger } from './types.js';

/** How long a delivery id is remembered (forges redeliver within hours; a manual redelivery within days). */
export const DELIVERY_TTL_MS = 7 * 24 * 3600_000;
/** One refusal reply per person, thread and reason in this window, however often they ask. */
const NOTICE_TTL_MS = 24 * 3600_000;

export interface WebhookAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}

const ignored = (reason: string): WebhookAnswer => ({ statusCode: 202, body: { status: 'ignored', reason } });

/**
 * Acts on a verified trigger: repository configured, not a bot or Drover itself, not a redelivery,
 * commenter allowed (asked of the forge), PR not from a fork; then builds the prompt from the thread,
 * resolves the spec with the repo defaults and queues the job — or lines it up behind the job already
 * working on the same branch. A forge API failure before anything was queued forgets the delivery
 * (503), so a redelivery can try again.
 */
export async function handleTrigger(deps: ForgeDeps, t: Trigger): Promise<WebhookAnswer> {
  const log = deps.logger.child({ forge: t.forge, deliveryId: t.deliveryId, repo: t.repo.path });
  const api = deps.apis[t.forge];
  if (!api)
    return { statusCode: 503, body: { error: `No ${t.forge} credentials`, code: 'E_FORGE_NOT_CONFIGURED' } };
  if (!repoIsConfigured(t.cloneUrl, deps.repoDefaults)) {
    return ignored(`repository ${t.repo.path} matches no repos: entry of DROVER_CONFIG`);
  }
  const hostProblem = cloneHostProblem(deps, t);
  if (hostProblem) {
    log.warn({ cloneUrl: t.cloneUrl }, hostProblem);
    return ignored(hostProblem);
  }
  if (t.actor.bot) return ignored(`${t.actor.login} is a bot; bots never trigger Drover`);

  const deliveryKey = `delivery:${t.forge}:${t.deliveryId}`;
  if (!(await deps.state.firstSeen(deliveryKey, DELIVERY_TTL_MS))) {
    log.info('redelivery ignored');
    return {
      statusCode: 202,
      body: { status: 'duplicate', reason: `delivery ${t.deliveryId} was already handled` },
    };
  }
  try {
    return await admit(deps, api, t);
  } catch (err) {
    await deps.state.forget(deliveryKey).catch(() => {});
    if (err instanceof ForgeApiError) {
      log.warn(
        { err: { message: deps.masker.mask(err.message), status: err.status } },
        'forge API failed; nothing queued',
      );
      return {
        statusCode: 503,
        body: {
          error: `${deps.masker.mask(err.message)}; nothing was queued, redeliver the webhook to try again`,
          code: err.code,
        },
      };
    }
    throw err;
  }
}

async function admit(deps: ForgeDeps, api: ForgeApi, t: Trigger): Promise<WebhookAnswer> {
  const self = await api.selfLogin(t.repo);
  if (self && self.toLowerCase() === t.actor.login.toLowerCase())
    return ignored('the comment is Drover’s own');

  if (!isAllowListed(deps, t) && (await api.permission(t.repo, t.actor)) !== 'write') {
    return refuse(deps, t, 'permission', `${t.actor.login} has no write access to ${t.repo.path}`);
  }
  let pull: PullInfo | undefined;
  if (t.thread.kind === 'pr') {
    pull = await api.getPull(t.repo, t.thread.number);
    if (pull.state !== 'open')
      return refuse(deps, t, 'closed', `${t.repo.path}#${pull.number} is ${pull.state}`);
    if (pull.fromFork)
      return refuse(deps, t, 'fork', `the head of ${t.repo.path}#${pull.number} is in a fork`);
  }
  const [review, discussion] = await Promise.all([
    pull ? api.reviewNotes(t.repo, pull.number) : Promise.resolve([]),
    api.threadNotes(t.repo, t.thread),
  ]);
  const prompt = buildPrompt(deps.config.promptTemplate, {
    forge: t.forge,
    repo: t.repo.path,
    thread: pull
      ? { ...t.thread, title: pull.title, body: pull.body, url: pull.url || t.thread.url }
      : t.thread,
    author: t.actor.login,
    via: t.via,
    ...(t.comment ? { request: t.comment.body } : {}),
    review,
    // The request itself and Drover's own comments are not "earlier conversation".
    discussion: discussion.filter((n) => !isDroverComment(n.body) && n.body !== t.comment?.body),
  });

  let spec: JobSpec;
  try {
    spec = deps.resolveSpec(specInput(deps, t, prompt, pull));
  } catch (err) {
    if (err instanceof InvalidInputError) return refuse(deps, t, 'settings', err.message);
    throw err;
  }
  const source: JobSource = {
    intake: 'forge',
    forge: t.forge,
    repo: t.repo.path,
    kind: t.thread.kind,
    number: t.thread.number,
    ...(t.comment ? { commentId: t.comment.id } : {}),
    deliveryId: t.deliveryId,
    author: t.actor.login,
    ...(t.comment?.url || t.thread.url ? { url: t.comment?.url || t.thread.url } : {}),
    ...(t.repo.installationId ? { installationId: t.repo.installationId } : {}),
  };
  const now = Date.now();
  let task: ForgeTask = {
    id: newJobId(now),
    repo: t.repo,
    thread: { kind: t.thread.kind, number: t.thread.number },
    lane: `${t.forge}|${t.repo.path.toLowerCase()}|${spec.branch}`,
    state: 'waiting',
    jobId: newJobId(now),
    spec,
    source,
    comment: { body: '', synced: true, attempts: 0 },
    open: true,
    nextAt: now + 5_000,
    createdAt: new Date(now).toISOString(),
  };
  await deps.state.saveTask(task);
  const ahead = await deps.state.enterLane(task.lane!, task.id);
  try {
    task = ahead === 0 ? await startTask(deps, task) : await markWaiting(deps, task, ahead);
  } catch (err) {
    // Nothing of it may stay half-made: out of the lane, closed.
    await deps.state.leaveLane(task.lane!, task.id).catch(() => {});
    await deps.state.saveTask({
      ...task,
      state: 'ended',
      open: false,
      comment: { ...task.comment, synced: true },
    });
    throw err;
  }
  void api
    .react(t.repo, t.reactTo)
    .catch((err) =>
      deps.logger.warn({ err: { message: deps.masker.mask((err as Error).message) } }, 'could not react'),
    );
  deps.logger.info(
    { forge: t.forge, repo: t.repo.path, thread: t.thread.number, jobId: task.jobId, ahead },
    ahead === 0 ? 'forge trigger: job queued' : 'forge trigger: waiting for the branch',
  );
  return {
    statusCode: 202,
    body: {
      status: ahead === 0 ? 'queued' : 'waiting',
      jobId: task.jobId,
      taskId: task.id,
      branch: spec.branch,
      ...(ahead ? { ahead } : {}),
    },
  };
}

/**
 * The job spec: the clone URL from the payload, the branch (an issue's `drover/issue-<n>`, a PR's
 * head), PR on by default. A PR Drover did not open keeps its title and description: its jobs only
 * push commits. The repo defaults lie under it (resolveSpec), and win for `pr` when they set it.
 */
function specInput(deps: ForgeDeps, t: Trigger, prompt: string, pull?: PullInfo): Record<string, unknown> {
  const defaults = withRepoDefaults({ repo: t.cloneUrl }, deps.repoDefaults) as Record<string, unknown>;
  const droverPr = !pull || pull.headRef.startsWith('drover/');
  const input: Record<string, unknown> = {
    repo: t.cloneUrl,
    prompt,
    prProvider: t.forge,
    branch: pull ? pull.headRef : `drover/issue-${t.thread.number}`,
    ...(pull ? { baseRef: pull.baseRef } : {}),
  };
  if (!droverPr) input.pr = false;
  else if (defaults.pr === undefined) input.pr = true;
  const title = oneLine(pull ? pull.title : t.thread.title);
  if (droverPr && title) input.prTitle = title;
  return input;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 256);
}

function isAllowListed(deps: ForgeDeps, t: Trigger): boolean {
  const login = t.actor.login.toLowerCase();
  return deps.config.allowUsers.some((u) => u === login || u === `${t.forge}:${login}`);
}

/** The clone URL must be on the forge's own host: the token goes wherever it points. */
function cloneHostProblem(deps: ForgeDeps, t: Trigger): string | undefined {
  let cloneHost: string;
  try {
    cloneHost = new URL(t.cloneUrl).hostname.toLowerCase();
  } catch {
    return `clone URL ${t.cloneUrl} is not a URL`;
  }
  const api = new URL(
    t.forge === 'github' ? deps.config.githubApiUrl : deps.config.gitlabApiUrl,
  ).hostname.toLowerCase();
  const expected = api === 'api.github.com' ? 'github.com' : api;
  return cloneHost === expected
    ? undefined
    : `clone URL host ${cloneHost} is not the ${t.forge} host ${expected} (DROVER_${t.forge.toUpperCase()}_API_URL)`;
}

/** No job; one polite reply (per person, thread and reason a day) through the comment outbox. */
async function refuse(
  deps: ForgeDeps,
  t: Trigger,
  reason: RefusalReason,
  why: string,
): Promise<WebhookAnswer> {
  const noticeKey = `notice:${t.forge}:${t.repo.path.toLowerCase()}:${t.thread.kind}:${t.thread.number}:${t.actor.login.toLowerCase()}:${reason}`;
  const reply = await deps.state.firstSeen(noticeKey, NOTICE_TTL_MS);
  if (reply) {
    const now = Date.now();
    const id = newJobId(now);
    await deps.state.saveTask({
      id,
      repo: t.repo,
      thread: { kind: t.thread.kind, number: t.thread.number },
      state: 'notice',
      comment: {
        body: refusalBody(
          { taskId: id, ...pub(deps) },
          reason,
          t.actor.login,
          t.forge,
          t.thread,
          deps.masker.mask(why),
        ),
        synced: false,
        attempts: 0,
      },
      open: true,
      nextAt: now,
      createdAt: new Date(now).toISOString(),
    });
    deps.wake();
  }
  deps.logger.info(
    { forge: t.forge, repo: t.repo.path, thread: t.thread.number, reason },
    `forge trigger refused: ${why}`,
  );
  return { statusCode: 202, body: { status: 'refused', reason: why, replied: reply } };
}
