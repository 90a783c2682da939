import { useEffect, useState } from 'preact/hooks';
import { type Job, listJobs, STATUSES } from '../api';
import { formatAge, formatCost, formatDuration, jobDurationMs, shortRepo, statusLabel } from '../format';
import { useNow } from '../route';
import { SourceTag } from './JobSourceView';
import { StatusBadge } from './StatusBadge';

const POLL_MS = 3000;
const FILTERS_KEY = 'drover.filters';

interface Filters {
  status: string;
  repo: string;
  q: string;
}
const NO_FILTERS: Filters = { status: '', repo: '', q: '' };

/** Filters survive going to a job and back (this tab only). */
function savedFilters(): Filters {
  try {
    const saved = JSON.parse(sessionStorage.getItem(FILTERS_KEY) ?? '{}') as Partial<Filters>;
    return {
      status: typeof saved.status === 'string' ? saved.status : '',
      repo: typeof saved.repo === 'string' ? saved.repo : '',
      q: typeof saved.q === 'string' ? saved.q : '',
    };
  } catch {
    return NO_FILTERS;
  }
}

/** Newest jobs first, refreshed every few seconds; filters by status, repo (part of it) and free text. */
export function JobList() {
  const [filters, setFilters] = useState<Filters>(savedFilters);
  const [jobs, setJobs] = useState<Job[] | undefined>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [pages, setPages] = useState(1);
  const [error, setError] = useState('');
  const now = useNow(1000);
  const { status, repo, q } = filters;
  const filtered = Boolean(status || repo.trim() || q.trim());

  const set = (patch: Partial<Filters>) => {
    const next = { ...filters, ...patch };
    sessionStorage.setItem(FILTERS_KEY, JSON.stringify(next));
    setFilters(next);
    setPages(1);
  };

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const page = await listJobs({
          status,
          repo: repo.trim(),
          q: q.trim(),
          limit: Math.min(500, 50 * pages),
        });
        if (stopped) return;
        setJobs(page.jobs);
        setNextCursor(page.nextCursor);
        setError('');
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      }
      if (!stopped) timer = setTimeout(load, POLL_MS);
    };
    // Typing in the text filters waits for a pause before asking the server.
    timer = setTimeout(load, repo || q ? 300 : 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [status, repo, q, pages]);

  const clear = (
    <button type="button" onClick={() => set(NO_FILTERS)}>
      Clear filters
    </button>
  );

  return (
    <section class="panel">
      <div class="toolbar">
        <h1>Jobs</h1>
        <search class="filters">
          <input
            type="search"
            name="q"
            aria-label="Search jobs"
            placeholder="Search id, prompt, branch…"
            value={q}
            onInput={(e) => set({ q: e.currentTarget.value })}
          />
          <select
            aria-label="Status filter"
            value={status}
            onChange={(e) => set({ status: e.currentTarget.value })}
          >
            <option value="">all statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
          <input
            type="search"
            name="repo"
            aria-label="Repository filter"
            placeholder="repo contains…"
            value={repo}
            onInput={(e) => set({ repo: e.currentTarget.value })}
          />
          {filtered && clear}
          <a class="button primary" href="#/new">
            New job
          </a>
        </search>
      </div>
      {error && <p class="error-text">{error}</p>}
      {jobs === undefined && !error && <p class="muted">Loading…</p>}
      {jobs?.length === 0 &&
        (filtered ? (
          <div class="empty" role="status">
            <p>No jobs match these filters.</p>
            {clear}
          </div>
        ) : (
          <p class="muted">No jobs yet.</p>
        ))}
      {jobs && jobs.length > 0 && (
        <table class="jobs">
          <thead>
            <tr>
              <th>Status</th>
              <th>Job</th>
              <th>Repo</th>
              <th>Agent</th>
              <th>Age</th>
              <th>Duration</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-job={job.id} onClick={() => (location.hash = `/jobs/${job.id}`)}>
                <td data-label="Status">
                  <StatusBadge status={job.status} />
                </td>
                <td data-label="Job" class="job-cell">
                  <a href={`#/jobs/${job.id}`} class="mono">
                    {job.id.slice(0, 8)}
                  </a>{' '}
                  <SourceTag source={job.source} />
                  <span class="prompt" title={job.spec.prompt}>
                    {job.spec.prompt}
                  </span>
                </td>
                <td data-label="Repo" title={job.repo}>
                  {shortRepo(job.repo)}
                </td>
                <td data-label="Agent">{job.agent}</td>
                <td data-label="Age">{formatAge(job.createdAt, now)}</td>
                <td data-label="Duration">{formatDuration(jobDurationMs(job, now))}</td>
                <td data-label="Cost">{formatCost(job.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && pages < 10 && (
        <button type="button" class="more" onClick={() => setPages(pages + 1)}>
          Show more
        </button>
      )}
    </section>
  );
}
