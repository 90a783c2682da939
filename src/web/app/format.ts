import type { Job } from './api';

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatAge(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '—';
  return usd < 0.01 && usd > 0 ? '<$0.01' : `$${usd.toFixed(2)}`;
}

/** Running jobs count up from their start; finished ones show their stored duration. */
export function jobDurationMs(job: Job, now = Date.now()): number | null {
  if (job.durationMs !== null) return job.durationMs;
  if (job.startedAt && job.status === 'running') return now - Date.parse(job.startedAt);
  return null;
}

/** `org/repo` from a URL or the last path segments of a local path. */
export function shortRepo(repo: string): string {
  const cleaned = repo.replace(/\.git$/, '').replace(/\/+$/, '');
  const parts = cleaned.split(/[/:]/).filter(Boolean);
  return parts.slice(-2).join('/') || repo;
}

/** Web links for GitHub and GitLab https remotes; undefined for anything else (local paths, ssh). */
export function webBase(repo: string): string | undefined {
  const m = /^https:\/\/(github\.com|gitlab\.com)\/([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(repo);
  return m ? `https://${m[1]}/${m[2]}` : undefined;
}

export const statusLabel = (status: string) => status.replace('_', ' ');

/** Only http(s) links are rendered as links (never javascript: or data: from a stored value). */
export function safeHref(url: string | null): string | undefined {
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}
