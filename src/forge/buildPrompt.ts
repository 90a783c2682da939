import { type Placeholder, renderTemplate } from './promptTemplate.js';
import type { ForgeName, ReviewNote, ThreadNote, ThreadRef } from './types.js';

/** Size limits (characters) of each part of the prompt: the whole stays well under a job's 200k. */
export const PROMPT_LIMITS = {
  title: 300,
  description: 12_000,
  request: 8_000,
  reviewNote: 3_000,
  review: 24_000,
  reviewNotes: 40,
  discussionNote: 2_000,
  discussion: 16_000,
  discussionNotes: 15,
} as const;

export interface PromptInput {
  forge: ForgeName;
  repo: string;
  thread: ThreadRef & { title: string; body: string; url: string };
  author: string;
  /** What asked: the comment or review body; absent for a label or an opened issue (the issue is the task). */
  request?: string;
  via: 'comment' | 'review' | 'review_comment' | 'label' | 'opened';
  review: ReviewNote[];
  discussion: ThreadNote[];
}

/** The job's prompt from the template: people's text only ever inside fenced blocks, each bounded. */
export function buildPrompt(template: string, input: PromptInput): string {
  const what = threadWord(input.forge, input.thread);
  const values: Record<Placeholder, string> = {
    headline: headline(input),
    forge: input.forge === 'github' ? 'GitHub' : 'GitLab',
    repo: plain(input.repo, 200),
    ref: what,
    author: plain(input.author, 100),
    url: plain(input.thread.url, 500),
    title: section(`Title of ${what}`, clip(input.thread.title, PROMPT_LIMITS.title)),
    description: section(
      `Description of ${what}`,
      clip(input.thread.body.trim() || '(empty)', PROMPT_LIMITS.description),
    ),
    request: section(
      requestHeading(input),
      input.request !== undefined
        ? clip(input.request, PROMPT_LIMITS.request)
        : `(${input.via === 'label' ? 'The issue was labeled for Drover' : 'The issue was opened for Drover'}: the task is the issue above.)`,
    ),
    review: section(
      'Unresolved review comments (file:line, author, comment)',
      joinBounded(
        input.review.slice(-PROMPT_LIMITS.reviewNotes).map((n) => {
          const lines =
            n.line === undefined
              ? ''
              : n.startLine && n.startLine !== n.line
                ? `:${n.startLine}-${n.line}`
                : `:${n.line}`;
          return `${plain(n.path, 300)}${lines} — @${plain(n.author, 100)}\n${clip(n.body, PROMPT_LIMITS.reviewNote)}`;
        }),
        PROMPT_LIMITS.review,
      ),
    ),
    discussion: section(
      `Earlier conversation on ${what} (oldest first)`,
      joinBounded(
        input.discussion
          .filter((n) => !n.bot)
          .slice(-PROMPT_LIMITS.discussionNotes)
          .map((n) => `@${plain(n.author, 100)}:\n${clip(n.body, PROMPT_LIMITS.discussionNote)}`),
        PROMPT_LIMITS.discussion,
        true,
      ),
    ),
  };
  return renderTemplate(template, values);
}

/** The prompt's first line: Drover's own words only (numbers and names), never people's text. */
export function headline(input: Pick<PromptInput, 'forge' | 'repo' | 'thread' | 'via'>): string {
  const what = threadWord(input.forge, input.thread);
  return input.thread.kind === 'issue'
    ? `Resolve ${what} in ${plain(input.repo, 200)}`
    : `Follow up on ${what} in ${plain(input.repo, 200)}`;
}

export function threadWord(forge: ForgeName, thread: ThreadRef): string {
  if (thread.kind === 'issue') return `issue #${thread.number}`;
  return forge === 'gitlab' ? `merge request !${thread.number}` : `pull request #${thread.number}`;
}

function requestHeading(input: PromptInput): string {
  const by = `@${plain(input.author, 100)}`;
  switch (input.via) {
    case 'review':
      return `The review by ${by} that asked for this`;
    case 'review_comment':
      return `The review comment by ${by} that asked for this`;
    case 'comment':
      return `The comment by ${by} that asked for this`;
    default:
      return 'The request';
  }
}

/** A heading and the text in a fence longer than any backtick run inside it; nothing when empty. */
export function section(heading: string, text: string): string {
  if (!text.trim()) return '';
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `### ${heading}\n\n${fence}text\n${text.replace(/\s+$/, '')}\n${fence}\n`;
}

export function clip(text: string, max: number): string {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized.length <= max) return normalized;
  return `${normalized.slice(0, max)}\n… [${normalized.length - max} more characters cut]`;
}

/** Joins items up to `max` characters, keeping the first ones (or the last ones with `keepLast`). */
function joinBounded(items: string[], max: number, keepLast = false): string {
  const ordered = keepLast ? [...items].reverse() : items;
  const kept: string[] = [];
  let size = 0;
  for (const item of ordered) {
    if (size + item.length > max) break;
    kept.push(item);
    size += item.length + 6;
  }
  const dropped = items.length - kept.length;
  if (keepLast) kept.reverse();
  const note = dropped > 0 ? [`… [${dropped} more left out]`] : [];
  return (keepLast ? [...note, ...kept] : [...kept, ...note]).join('\n\n---\n\n');
}

/** A one-line value outside the fences (names, URLs): control characters and backticks removed. */
function plain(value: string, max: number): string {
  return value.replace(/[\u0000-\u001f\u007f`]/g, ' ').slice(0, max);
}
