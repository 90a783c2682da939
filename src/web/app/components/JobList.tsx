import { useEffect, useState } from 'preact/hooks';
import { type Job, listJobs, STATUSES } from '../api';
import { formatAge, formatCost, formatDuration, jobDurationMs, shortRepo, statusLabel } from '../format';
import { useNow } from '../route';
import { StatusBadge } from './StatusBadge';

const POLL_MS = 3000;

/** Newest jobs first, refreshed every few seconds; filters by status and repo. */
export function JobList() {
  const [status, setStatus] = useState('');
  const [repo, setRepo] = useState('');
  const [jobs, setJobs] = useState<Job[] | undefined>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [pages, setPages] = useState(1);
  const [error, setError] = useState('');
  const now = useNow(1000);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const page = await listJobs({ status, repo: repo.trim(), limit: Math.min(500, 50 * pages) });
        if (stopped) return;
        setJobs(page.jobs);
        setNextCursor(page.nextCursor);
        setError('');
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      }
      if (!stopped) timer = setTimeout(load, POLL_MS);
    };
    // Typing in the repo filter waits for a pause before asking the server.
    timer = setTimeout(load, repo ? 300 : 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [status, repo, pages]);

  return (
    <section class="panel">
      <div class="toolbar">
        <h1>Jobs</h1>
        <div class="filters">
          <select
            aria-label="Status filter"
            value={status}
            onChange={(e) => setStatus(e.currentTarget.value)}
          >
            <option value="">all statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
          <input
            aria-label="Repository filter"
            placeholder="repo (exact URL or path)"
            value={repo}
            onInput={(e) => setRepo(e.currentTarget.value)}
          />
          <a class="button primary" href="#/new">
            New job
          </a>
        </div>
      </div>
      {error && <p class="error-text">{error}</p>}
      {jobs === undefined && !error && <p class="muted">Loading…</p>}
      {jobs?.length === 0 && <p class="muted">No jobs yet.</p>}
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
                  </a>
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
