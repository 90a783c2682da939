import { useEffect, useState } from 'preact/hooks';
import { cancelJob, getJob, type Job, type OutputEntry, TERMINAL } from '../api';
import { formatCost, formatDuration, jobDurationMs, safeHref, webBase } from '../format';
import { useNow } from '../route';
import { followJob } from '../sse';
import { Artifacts } from './Artifacts';
import { LogView, MAX_LINES } from './LogView';
import { ModelCalls } from './ModelCalls';
import { type PhaseMark, PhaseTimeline } from './PhaseTimeline';
import { StatusBadge } from './StatusBadge';

type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'ended';

/** One job: its record, phases, live log (SSE), links and the cancel button. */
export function JobDetail({ id }: { id: string }) {
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState('');
  const [log, setLog] = useState<{ entries: OutputEntry[]; dropped: number }>({ entries: [], dropped: 0 });
  const [phases, setPhases] = useState<PhaseMark[]>([]);
  const [modelCalls, setModelCalls] = useState<OutputEntry[]>([]);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [cancelling, setCancelling] = useState(false);
  // Re-render every second so running durations count up.
  useNow(1000);
  const now = Date.now();

  useEffect(() => {
    getJob(id).then(setJob, (err: Error) => setError(err.message));
    // Entries arrive in bursts; batch them into one render per animation frame.
    let pending: OutputEntry[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setLog((prev) => {
        const all = prev.entries.concat(batch);
        const over = Math.max(0, all.length - MAX_LINES);
        return { entries: over ? all.slice(over) : all, dropped: prev.dropped + over };
      });
    };
    const stop = followJob(id, {
      onEntry: (entry) => {
        if (entry.type === 'phase') {
          const name = typeof entry.data?.phase === 'string' ? entry.data.phase : entry.line;
          setPhases((prev) => [...prev, { name, title: entry.line, ts: entry.ts }]);
        }
        if (entry.type === 'model.call') setModelCalls((prev) => [...prev, entry]);
        if (entry.type === 'end') return;
        pending.push(entry);
        frame ||= requestAnimationFrame(flush);
      },
      onJob: setJob,
      onEnd: () => {
        setStream('ended');
        getJob(id).then(setJob, () => {});
      },
      onState: setStream,
    });
    return () => {
      stop();
      cancelAnimationFrame(frame);
    };
  }, [id]);

  if (error) return <section class="panel error-box">{error}</section>;
  if (!job) return <section class="panel muted">Loading…</section>;

  const ended = TERMINAL.includes(job.status);
  const web = webBase(job.repo);
  const cancel = async () => {
    if (!confirm(`Cancel job ${job.id.slice(0, 8)}?`)) return;
    setCancelling(true);
    try {
      setJob(await cancelJob(job.id));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section class="panel detail">
      <div class="toolbar">
        <h1>
          Job <span class="mono">{job.id.slice(0, 8)}</span> <StatusBadge status={job.status} />
        </h1>
        <div class="filters">
          <span class={`stream-state ${stream}`}>{stream === 'live' ? '● live' : stream}</span>
          {!ended && (
            <button type="button" class="danger" onClick={cancel} disabled={cancelling}>
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
        </div>
      </div>
      <p class="prompt-full">{job.spec.prompt}</p>
      <dl class="meta">
        <dt>Repo</dt>
        <dd class="mono wrap">{job.repo}</dd>
        <dt>Base</dt>
        <dd class="mono">{job.baseRef ?? '—'}</dd>
        <dt>Branch</dt>
        <dd class="mono">
          {web && job.commit ? (
            <a href={`${web}/tree/${job.branch}`} target="_blank" rel="noreferrer noopener">
              {job.branch}
            </a>
          ) : (
            job.branch
          )}
        </dd>
        <dt>Commit</dt>
        <dd class="mono">
          {job.commit ? (
            web ? (
              <a href={`${web}/commit/${job.commit}`} target="_blank" rel="noreferrer noopener">
                {job.commit.slice(0, 12)}
              </a>
            ) : (
              job.commit.slice(0, 12)
            )
          ) : (
            '—'
          )}
        </dd>
        {job.prUrl && (
          <>
            <dt>PR</dt>
            <dd class="wrap">
              {safeHref(job.prUrl) ? (
                <a href={safeHref(job.prUrl)} target="_blank" rel="noreferrer noopener">
                  {job.prUrl}
                </a>
              ) : (
                job.prUrl
              )}
            </dd>
          </>
        )}
        <dt>Agent</dt>
        <dd>
          {job.agent}
          {job.turns !== null ? ` · ${job.turns} turns` : ''}
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(jobDurationMs(job, now))}</dd>
        <dt>Cost</dt>
        <dd>{formatCost(job.costUsd)}</dd>
        {job.inputTokens !== null && job.inputTokens !== undefined && (
          <>
            <dt>Tokens</dt>
            <dd>
              in {(job.inputTokens + (job.cachedInputTokens ?? 0)).toLocaleString('en-US')} (cached{' '}
              {(job.cachedInputTokens ?? 0).toLocaleString('en-US')}) · out{' '}
              {(job.outputTokens ?? 0).toLocaleString('en-US')}
            </dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd>
          {job.attempts}
          {job.exitCode !== null ? ` · exit ${job.exitCode}` : ''}
        </dd>
      </dl>
      {job.errorKind && (
        <div class="error-box" role="alert">
          <strong>{job.errorKind}</strong> {job.errorMessage}
        </div>
      )}
      <PhaseTimeline phases={phases} endedAt={ended ? job.finishedAt : null} now={now} />
      <Artifacts jobId={job.id} ended={ended} />
      <ModelCalls entries={modelCalls} />
      <LogView entries={log.entries} dropped={log.dropped} />
    </section>
  );
}
