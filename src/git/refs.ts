/**
 * Validation of user-supplied repo URLs and ref names before they reach git's argv.
 * git itself would interpret `ext::`/`fd::` transports (command execution) and option-like values.
 */
export function repoUrlProblem(url: string): string | undefined {
  if (url.length === 0) return 'must not be empty';
  if (url.startsWith('-')) return 'must not start with "-" (it would be read as a git option)';
  if (/[\0\r\n]/.test(url)) return 'must not contain control characters';
  const transport = /^([a-zA-Z][a-zA-Z0-9+.-]*)::/.exec(url);
  if (transport) return `the "${transport[1]}::" transport is not allowed`;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (!['https', 'http', 'ssh', 'git', 'file'].includes(name))
      return `the "${name}://" scheme is not allowed`;
    if (/^https?:\/\/[^/]*@/.test(url)) {
      return 'must not embed credentials; pass the token through DROVER_GIT_TOKEN instead';
    }
  }
  return undefined;
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
