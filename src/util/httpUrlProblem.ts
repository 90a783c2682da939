/** Why `value` is not an absolute http(s) URL free of credentials, or undefined when it is one. */
export function httpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials (user:password@)';
  if (!url.hostname) return 'must name a host';
  return undefined;
}
