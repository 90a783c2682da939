// The dashboard's client of the HTTP API (same origin). Its types are the server's, imported as types
// only (erased from the bundle). The runtime lists are copies: the modules holding the originals would
// bring zod into the bundle; `satisfies` keeps each entry valid.
import type { PublicJob } from '../../jobs/JobRecord.js';
import type { JobSource } from '../../jobs/JobSource.js';
import type { AgentName, SandboxMode } from '../../jobs/JobSpec.js';
import type { JobStatus } from '../../jobs/JobStatus.js';
import type { OutputEntry } from '../../jobs/OutputEntry.js';

export type { JobSource, JobStatus, OutputEntry };
export type Job = PublicJob;

export const STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'needs_human',
] as const satisfies readonly JobStatus[];
export const TERMINAL: readonly JobStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'needs_human',
];
export const AGENTS = ['claude', 'codex', 'gemini', 'command'] as const satisfies readonly AgentName[];
export const SANDBOXES = ['workspace-write', 'read-only', 'none'] as const satisfies readonly SandboxMode[];

export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'drover.token';
const tokenListeners = new Set<() => void>();

export function getToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
  for (const listener of tokenListeners) listener();
}

/** Called when the token changes, or when the server refuses it (401). */
export function onTokenChange(listener: () => void): () => void {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

let unauthorized = false;
export function isUnauthorized(): boolean {
  return unauthorized;
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function noteUnauthorized(value: boolean): void {
  if (unauthorized === value) return;
  unauthorized = value;
  for (const listener of tokenListeners) listener();
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders(), accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  noteUnauthorized(res.status === 401);
  const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string; issues?: Issue[] };
  if (!res.ok) {
    throw new ApiError(
      res.status,
      body.error ?? `HTTP ${res.status}`,
      body.code ?? 'E_HTTP',
      body.issues ?? [],
    );
  }
  return body as T;
}

export interface JobPage {
  jobs: Job[];
  nextCursor: string | null;
}

export interface JobFilter {
  status?: string;
  /** Part of the repo URL or path. */
  repo?: string;
  /** Free text: id, repo, branch, prompt, source. */
  q?: string;
  limit?: number;
  cursor?: string;
}

export function listJobs(filter: JobFilter) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== '') q.set(k, String(v));
  return api<JobPage>(`/api/jobs${q.size ? `?${q}` : ''}`);
}

export const getJob = (id: string) => api<Job>(`/api/jobs/${encodeURIComponent(id)}`);
export const cancelJob = (id: string) =>
  api<Job>(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
export const createJob = (spec: Record<string, unknown>) =>
  api<Job>('/api/jobs', { method: 'POST', body: spec });

export interface ArtifactInfo {
  name: string;
  size: number;
  modifiedAt: string;
  contentType: string;
}

export const listArtifacts = (id: string) =>
  api<{ artifacts: ArtifactInfo[] }>(`/api/jobs/${encodeURIComponent(id)}/artifacts`);

/**
 * An artifact's text, for showing in the page (as text). Undefined when it is larger than `maxBytes`
 * (the page offers the download instead).
 */
export async function fetchArtifactText(
  id: string,
  name: string,
  maxBytes: number,
): Promise<string | undefined> {
  const res = await fetch(`/api/jobs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}`, {
    headers: authHeaders(),
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`, 'E_HTTP');
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel();
    return undefined;
  }
  return res.text();
}

/** Downloads with the bearer header (a plain link could not send it), then saves via a blob URL. */
export async function downloadArtifact(id: string, name: string): Promise<void> {
  const res = await fetch(`/api/jobs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}`, {
    headers: authHeaders(),
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`, 'E_HTTP');
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
