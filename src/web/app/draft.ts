import type { Job } from './api';

const KEY = 'drover.draft';

/** Hands a job's spec to the submit form ("Edit and re-run"); read once, then forgotten. */
export function setDraft(spec: Job['spec']): void {
  sessionStorage.setItem(KEY, JSON.stringify(spec));
}

export function takeDraft(): Record<string, unknown> | undefined {
  const raw = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
