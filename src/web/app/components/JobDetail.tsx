import { useEffect, useState } from 'preact/hooks';
import { cancelJob, createJob, getJob, type Job, type OutputEntry, TERMINAL } from '../api';
import { setDraft } from '../draft';
import { formatCost, formatDuration, jobDurationMs, safeHref, webBase } from '../format';
import { navigate, useNow } from '../route';
import { followJob } from '../sse';
import { Artifacts, useArtifacts } from './Artifacts';
import { DIFF_ARTIFACT, DiffView } from './DiffView';
import { SourceDetail } from './JobSourceView';
import { LogView, MAX_LINES } from './LogView';
import { ModelCalls } from './ModelCalls';
import { type PhaseMark, PhaseTimeline } from './PhaseTimeline';
import { StatusBadge } from './StatusBadge';

type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'ended';

/** One job: its record, phases, live log (SSE), its change, links, cancel and re-run. */
export function JobDetail({ id }: { id: string }) {
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState('');
  const [actionError, setActionError] = useState('');
  const [log, setLog] = useState<{ entries: OutputEntry[]; dropped: number }>({ entries: [], dropped: 0 });
  const [phases, setPhases] = useState<PhaseMark[]>([]);
  const [modelCalls, setModelCalls] = useState<OutputEntry[]>([]);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [busy, setBusy] = useState<'' | 'cancel' | 'rerun'>('');
  const [tab, setTab] = useState<'log' | 'changes'>('log');
  // Re-render every second so running durations count up.
  useNow(1000);
  const now = Date.now();
  const ended = job ? TERMINAL.includes(job.status) : false;
  const artifacts = useArtifacts(id, ended);

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

  const web = webBase(job.repo);
  const hasDiff = artifacts.items.some((a) => a.name === DIFF_ARTIFACT);
  const act = async (kind: 'cancel' | 'rerun', run: () => Promise<void>) => {
    setBusy(kind);
    setActionError('');
    try {
      await run();
    } catch (err) {
      setActionError((err as Error).message);
    } finally {
      setBusy('');
    }
  };
  const cancel = () => {
    if (!confirm(`Cancel job ${job.id.slice(0, 8)}?`)) return;
    void act('cancel', async () => setJob(await cancelJob(job.id)));
  };
  // The same spec as a new job (a new id and branch name unless the spec names a branch).
  const rerun = () =>
    act('rerun', async () => {
      const next = await createJob(job.spec);
      navigate(`/jobs/${next.id}`);
    });
  const edit = () => {
    setDraft(job.spec);
    navigate('/new');
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
            <button type="button" class="danger" onClick={cancel} disabled={busy !== ''}>
              {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          <button type="button" onClick={edit} title="Open the submit form with this job's spec">
            Edit and re-run
          </button>
          {ended && (
            <button
              type="button"
              class="primary"
              onClick={rerun}
              disabled={busy !== ''}
              title="Submit the same spec again as a new job"
            >
              {busy === 'rerun' ? 'Submitting…' : 'Re-run'}
            </button>
          )}
        </div>
      </div>
      {actionError && (
        <div class="error-box" role="alert">
          {actionError}
        </div>
      )}
      <p class="prompt-full">{job.spec.prompt}</p>
      <dl class="meta">
        <dt>Repo</dt>
        <dd class="mono wrap">{job.repo}</dd>
        <dt>Base</dt>
        <dd class="mono">{job.baseRef ?? '—'}</dd>
        <dt>Branch</dt>
        <dd class="mono wrap">
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
        <dt>Source</dt>
        <dd class="wrap">
          <SourceDetail source={job.source} />
        </dd>
      </dl>
      {job.errorKind &&
        (job.status === 'cancelled' ? (
          // A cancellation is something a person asked for, not a failure.
          <div class="neutral-box" role="status">
            <strong>cancelled</strong> {job.errorMessage}
          </div>
        ) : (
          <div class="error-box" role="alert">
            <strong>{job.errorKind}</strong> {job.errorMessage}
          </div>
        ))}
      <PhaseTimeline
        phases={phases}
        endedAt={ended ? job.finishedAt : null}
        status={ended ? job.status : null}
        now={now}
      />
      <Artifacts jobId={job.id} items={artifacts.items} error={artifacts.error} />
      <ModelCalls entries={modelCalls} />
      {hasDiff && (
        <div class="tabs" role="tablist" aria-label="Job output">
          {(
            [
              ['log', 'Log'],
              ['changes', 'Changes'],
            ] as const
          ).map(([t, label]) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls={`panel-${t}`}
              onClick={() => setTab(t)}
            >
              {label}
            </button>
          ))}
        </div>
      )}
      <div id="panel-log" role={hasDiff ? 'tabpanel' : undefined} hidden={tab !== 'log'}>
        <LogView entries={log.entries} dropped={log.dropped} />
      </div>
      {hasDiff && tab === 'changes' && (
        <div id="panel-changes" role="tabpanel" aria-labelledby="tab-changes">
          <DiffView jobId={job.id} />
        </div>
      )}
    </section>
  );
}
