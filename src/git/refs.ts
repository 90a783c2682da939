import { parseRepoUrl } from './repoUrl.js';

/**
 * Validation of user-supplied repo URLs and ref names before they reach git's argv.
 * git itself would interpret `ext::`/`fd::` transports (command execution) and option-like values.
 */
export function repoUrlProblem(url: string): string | undefined {
  const parsed = parseRepoUrl(url);
  return parsed.ok ? undefined : parsed.problem;
}

/** A branch/ref name acceptable to `git check-ref-format --branch`, and never option-like. */
export function refNameProblem(ref: string): string | undefined {
  if (ref.length === 0) return 'must not be empty';
  if (ref.length > 200) return 'must be at most 200 characters';
  if (ref.startsWith('-')) return 'must not start with "-"';
  if (/[\0-\x20\x7f~^:?*[\\]/.test(ref))
    return 'must not contain spaces, control characters or any of ~^:?*[\\';
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//'))
    return 'must not contain "..", "@{" or "//"';
  if (ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.') || ref === '@')
    return 'is not a valid ref name';
  if (ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return 'has a component starting with "." or ending with ".lock"';
  }
  return undefined;
}
