import type { PrProviderName } from './types.js';

/** github.com and github.* hosts are GitHub; gitlab.com and gitlab.* hosts are GitLab. */
export function providerForHost(host: string): PrProviderName | undefined {
  if (host === 'github.com' || host.startsWith('github.')) return 'github';
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) return 'gitlab';
  return undefined;
}
