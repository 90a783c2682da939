import { useEffect, useState } from 'preact/hooks';
import { describeEvent } from '../../../plans/describeEvent.js';
import { formatCost, safeHref, statusLabel } from '../format';
import {
  approveTask,
  COLUMNS,
  followPlan,
  getPlan,
  type PlanEvent,
  type PlanView,
  promoteTask,
  retryTask,
  reworkTask,
  setPlanPaused,
  type TaskView,
} from '../planApi';
import { StatusBadge } from './StatusBadge';
import './planBoard.css';

const MAX_EVENTS = 500;

/** A plan's board: a column per task status, cards with their runs, the person's buttons, the live timeline. */
export function PlanBoard({ name }: { name: string }) {
  const [plan, setPlan] = useState<PlanView | undefined>();
  const [events, setEvents] = useState<PlanEvent[]>([]);
  const [error, setError] = useState('');
  const [stream, setStream] = useState('connecting');

  useEffect(() => {
    getPlan(name).then(setPlan, (err: Error) => setError(err.message));
    return followPlan(name, {
      onPlan: setPlan,
      onEvent: (e) => setEvents((prev) => [e, ...prev].slice(0, MAX_EVENTS)),
      onState: setStream,
    });
  }, [name]);

  if (error && !plan) return <section class="panel error-box">{error}</section>;
  if (!plan) return <section class="panel muted">Loading…</section>;

  /** Runs a person's action; the board updates from the event stream (and from the answer at once). */
  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setError('');
      setPlan(await getPlan(name));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section class="plan-board">
      <div class="panel plan-head">
        <div class="toolbar">
          <h1>
            {plan.name} <StatusBadge status={plan.status} />
          </h1>
          <div class="filters">
            <span class={`stream-state ${stream === 'live' ? 'live' : ''}`}>
              {stream === 'live' ? '● live' : stream}
            </span>
            <button type="button" onClick={() => act(() => setPlanPaused(name, !plan.paused))}>
              {plan.paused ? 'Resume' : 'Pause'}
            </button>
          </div>
        </div>
        <p class="muted wrap">
          {plan.repo}
          {plan.baseRef ? ` @ ${plan.baseRef}` : ''} · executors ≤ {plan.settings.maxExecutors} · reviewers ≤{' '}
          {plan.settings.maxReviewers} · cost {plan.costUsd > 0 ? formatCost(plan.costUsd) : '—'}
          {plan.orchestrator
            ? ` · orchestrated by ${plan.orchestrator.holder}`
            : ' · no orchestrator running'}
        </p>
        {error && <p class="error-text">{error}</p>}
      </div>
      <div class="columns">
        {COLUMNS.map((status) => {
          const tasks = plan.tasks.filter((t) => t.status === status);
          return (
            <section class="column" data-status={status} key={status}>
              <h2>
                {statusLabel(status)} <span class="count">{tasks.length}</span>
              </h2>
              {tasks.map((task) => (
                <TaskCard key={task.id} plan={plan} task={task} act={act} />
              ))}
            </section>
          );
        })}
      </div>
      <div class="panel">
        <h2>Timeline</h2>
        {events.length === 0 && <p class="muted">No events yet.</p>}
        <ol class="plan-timeline">
          {events.map((e) => (
            <li key={e.seq} data-seq={e.seq} data-type={e.type}>
              <span class="mono seq">#{e.seq}</span>
              <time class="muted">{new Date(e.ts).toLocaleTimeString()}</time>
              <span class="etype">{e.type}</span>
              {e.task && <span class="mono">{e.task}</span>}
              <span class="wrap">{describeEvent(e)}</span>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

function TaskCard({
  plan,
  task,
  act,
}: {
  plan: PlanView;
  task: TaskView;
  act: (action: () => Promise<unknown>) => Promise<void>;
}) {
  const [reworking, setReworking] = useState(false);
  const [comment, setComment] = useState('');
  const pr = safeHref(task.prUrl);
  const last = task.runs.at(-1);
  const depsDone = task.dependsOn.every((d) => plan.tasks.find((t) => t.id === d)?.status === 'done');
  return (
    <article class="card" data-task={task.id}>
      <header>
        <strong>{task.title}</strong> <span class="mono muted">{task.id}</span>
        <span class={`prio prio-${task.priority}`}>{task.priority}</span>
      </header>
      {task.dependsOn.length > 0 && <p class="deps">after {task.dependsOn.join(', ')}</p>}
      <p class="mono branch wrap">{task.branch}</p>
      <dl>
        <dt>PR</dt>
        <dd class="pr">
          {pr ? (
            <a href={pr} target="_blank" rel="noreferrer">
              {pr.replace(/^https?:\/\/[^/]+\//, '')}
            </a>
          ) : (
            '—'
          )}
        </dd>
        <dt>Verdict</dt>
        <dd class={`verdict verdict-${task.verdict ?? 'none'}`}>{task.verdict ?? '—'}</dd>
        <dt>Cost</dt>
        <dd class="cost">{formatCost(task.costUsd)}</dd>
        <dt>Runs</dt>
        <dd>
          {task.runs.length}
          {last && (
            <>
              {' · '}
              <a href={`#/jobs/${last.jobId}`} class="mono">
                {last.role} {last.jobId.slice(0, 8)}
              </a>{' '}
              <span class="muted">{last.status}</span>
            </>
          )}
        </dd>
      </dl>
      {task.blocked && (
        <p class="blocked-reason wrap">
          {task.blocked.classification} {task.blocked.errorKind}: {task.blocked.reason}
        </p>
      )}
      {task.waiting && <p class="muted wrap">{task.waiting}</p>}
      <div class="card-actions">
        {task.status === 'needs_human' && (
          <>
            <button type="button" class="primary" onClick={() => act(() => approveTask(plan.name, task.id))}>
              Approve
            </button>
            <button type="button" onClick={() => setReworking(!reworking)}>
              Rework
            </button>
          </>
        )}
        {task.status === 'blocked' && (
          <button type="button" onClick={() => act(() => retryTask(plan.name, task.id))}>
            Retry
          </button>
        )}
        {task.status === 'backlog' && !plan.settings.autoPromote && depsDone && (
          <button type="button" onClick={() => act(() => promoteTask(plan.name, task.id))}>
            Promote
          </button>
        )}
      </div>
      {reworking && task.status === 'needs_human' && (
        <form
          class="rework"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => reworkTask(plan.name, task.id, comment)).then(() => setReworking(false));
          }}
        >
          <textarea
            name="comment"
            aria-label={`Rework comment for ${task.id}`}
            placeholder="What should change? (given to the executor verbatim)"
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
            rows={3}
          />
          <button type="submit" class="primary" disabled={!comment.trim()}>
            Send rework
          </button>
        </form>
      )}
    </article>
  );
}
