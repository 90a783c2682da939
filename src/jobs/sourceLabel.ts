import type { JobSource } from './JobSource.js';

/** One line naming where a job came from, e.g. `github acme/app#12 by @alice` or `api`. */
export function sourceLabel(source: JobSource): string {
  if (source.intake === 'forge' && source.forge && source.repo) {
    const sign = source.forge === 'gitlab' && source.kind === 'pr' ? '!' : '#';
    const number = source.number !== undefined ? `${sign}${source.number}` : '';
    return `${source.forge} ${source.repo}${number}${source.author ? ` by @${source.author}` : ''}`;
  }
  return source.intake;
}
