/** Hidden in every comment Drover writes, so its own comments never trigger it (whatever the account). */
export const DROVER_MARKER = '<!-- drover';

/**
 * Whether `text` mentions `mention` (e.g. `@drover`) as a word of its own, outside quoted lines
 * (`> @drover ...` quotes an earlier request) and code (fenced blocks, inline spans).
 */
export function mentions(text: string, mention: string): boolean {
  const prose = text
    .replace(/\r\n?/g, '\n')
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, '')
    .replace(/`[^`\n]*`/g, '')
    .split('\n')
    .filter((line) => !/^\s*>/.test(line))
    .join('\n');
  const name = mention.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_@/.-])${name}(?![A-Za-z0-9_-])(?!\\.[A-Za-z0-9])`, 'i').test(prose);
}

/** A comment Drover wrote (it carries the marker). */
export function isDroverComment(text: string): boolean {
  return text.includes(DROVER_MARKER);
}
