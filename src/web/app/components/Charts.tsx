import { useEffect, useState } from 'preact/hooks';
import { type Job, type JobStatus, listJobs, STATUSES } from '../api';
import { statusLabel } from '../format';

const HOURS = 24;
const W = 600;
const H = 180;
const PAD = { left: 32, bottom: 22, top: 8 };

interface Bin {
  label: string;
  count: number;
}

/** Jobs per hour by status (last 24h, stacked), and distributions of duration and cost. */
export function Charts() {
  const [jobs, setJobs] = useState<Job[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    listJobs({ limit: 500 }).then(
      (page) => setJobs(page.jobs),
      (err: Error) => setError(err.message),
    );
  }, []);
  if (error) return <section class="panel error-text">{error}</section>;
  if (!jobs) return <section class="panel muted">Loading…</section>;
  const finished = jobs.filter((j) => j.durationMs !== null);
  const costed = jobs.filter((j) => j.costUsd !== null);
  return (
    <section class="panel">
      <h1>Charts</h1>
      <p class="muted">The {jobs.length} most recent jobs.</p>
      <div class="charts">
        <figure>
          <figcaption>Jobs per hour by status (last 24 hours)</figcaption>
          <PerHour jobs={jobs} />
        </figure>
        <figure>
          <figcaption>Duration of finished jobs ({finished.length})</figcaption>
          <Histogram bins={durationBins(finished)} label="Duration distribution" />
        </figure>
        <figure>
          <figcaption>Agent cost per job ({costed.length} with a reported cost)</figcaption>
          <Histogram bins={costBins(costed)} label="Cost distribution" />
        </figure>
      </div>
    </section>
  );
}

function PerHour({ jobs }: { jobs: Job[] }) {
  const hourMs = 3_600_000;
  const end = Math.ceil(Date.now() / hourMs) * hourMs;
  const start = end - HOURS * hourMs;
  const counts = Array.from({ length: HOURS }, () => new Map<JobStatus, number>());
  for (const job of jobs) {
    const t = Date.parse(job.createdAt);
    if (t < start || t >= end) continue;
    const bucket = counts[Math.floor((t - start) / hourMs)];
    bucket?.set(job.status, (bucket.get(job.status) ?? 0) + 1);
  }
  const max = Math.max(1, ...counts.map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
  const bw = (W - PAD.left) / HOURS;
  const y = (n: number) => ((H - PAD.bottom - PAD.top) * n) / max;
  const present = STATUSES.filter((s) => counts.some((m) => m.has(s)));
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Jobs per hour by status">
        <Axis max={max} />
        {counts.map((m, i) => {
          let base = H - PAD.bottom;
          const hour = new Date(start + i * hourMs).getHours();
          return (
            <g key={String(i)}>
              {STATUSES.filter((s) => m.has(s)).map((s) => {
                const h = y(m.get(s) ?? 0);
                base -= h;
                return (
                  <rect
                    key={s}
                    class={`fill-${s}`}
                    x={PAD.left + i * bw + 1}
                    y={base}
                    width={bw - 2}
                    height={h}
                  >
                    <title>{`${hour}:00 — ${m.get(s)} ${statusLabel(s)}`}</title>
                  </rect>
                );
              })}
              {i % 3 === 0 && (
                <text x={PAD.left + i * bw + bw / 2} y={H - 6} class="tick" text-anchor="middle">
                  {`${hour}h`}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <div class="legend">
        {present.map((s) => (
          <span key={s}>
            <i class={`swatch fill-${s}`} /> {statusLabel(s)}
          </span>
        ))}
      </div>
    </>
  );
}

function Histogram({ bins, label }: { bins: Bin[]; label: string }) {
  const max = Math.max(1, ...bins.map((b) => b.count));
  const bw = (W - PAD.left) / bins.length;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <Axis max={max} />
      {bins.map((b, i) => {
        const h = ((H - PAD.bottom - PAD.top) * b.count) / max;
        return (
          <g key={b.label}>
            <rect class="fill-bar" x={PAD.left + i * bw + 2} y={H - PAD.bottom - h} width={bw - 4} height={h}>
              <title>{`${b.label}: ${b.count}`}</title>
            </rect>
            <text x={PAD.left + i * bw + bw / 2} y={H - 6} class="tick" text-anchor="middle">
              {b.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function Axis({ max }: { max: number }) {
  return (
    <g class="axis">
      <line x1={PAD.left} y1={H - PAD.bottom} x2={W} y2={H - PAD.bottom} />
      <text x={PAD.left - 6} y={PAD.top + 8} class="tick" text-anchor="end">
        {max}
      </text>
      <text x={PAD.left - 6} y={H - PAD.bottom} class="tick" text-anchor="end">
        0
      </text>
    </g>
  );
}

function bin(values: number[], edges: number[], labels: string[]): Bin[] {
  const bins = labels.map((label) => ({ label, count: 0 }));
  for (const v of values) {
    const i = edges.findIndex((edge) => v < edge);
    const target = bins[i === -1 ? bins.length - 1 : i];
    if (target) target.count++;
  }
  return bins;
}

function durationBins(jobs: Job[]): Bin[] {
  const s = jobs.map((j) => (j.durationMs ?? 0) / 1000);
  return bin(
    s,
    [10, 30, 60, 120, 300, 600, 1800],
    ['<10s', '<30s', '<1m', '<2m', '<5m', '<10m', '<30m', '30m+'],
  );
}

function costBins(jobs: Job[]): Bin[] {
  const usd = jobs.map((j) => j.costUsd ?? 0);
  return bin(usd, [0.01, 0.05, 0.1, 0.5, 1, 5], ['<1¢', '<5¢', '<10¢', '<50¢', '<$1', '<$5', '$5+']);
}
