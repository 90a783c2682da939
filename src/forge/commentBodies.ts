import { formatDuration } from '../config/duration.js';
import { shortId } from '../jobs/ids.js';
import type { JobRecord } from '../jobs/JobRecord.js';
import { threadWord } from './buildPrompt.js';
import { DROVER_MARKER } from './mention.js';
import type { ForgeName, ThreadRef } from './types.js';

// The text of the one comment Drover keeps per request, and of its replies. Every body ends with the
// marker that keeps Drover from answering itself. People's text is never echoed outside code blocks.

export interface CommentContext {
  taskId: string;
  publicUrl?: string;
}

function marker(ctx: CommentContext): string {
  return `\n\n${DROVER_MARKER}:task ${ctx.taskId} -->`;
}

function jobLink(jobId: string, publicUrl?: string): string {
  const id = `\`${shortId(jobId)}\``;
  return publicUrl ? `[${id}](${publicUrl}/#/jobs/${jobId})` : id;
}

/** The job is in the queue (or about to be). */
export function startedBody(ctx: CommentContext, jobId: string, branch: string): string {
  return (
    `👀 On it: Drover job ${jobLink(jobId, ctx.publicUrl)} · status **queued**\n\n` +
    `It works on branch \`${code(branch)}\`; this comment is updated when the job ends.${marker(ctx)}`
  );
}

/** Another job holds the branch: this request waits for it. */
export function waitingBody(
  ctx: CommentContext,
  branch: string,
  ahead: number,
  runningJobId?: string,
): string {
  const running = runningJobId ? ` (job ${jobLink(runningJobId, ctx.publicUrl)})` : '';
  return (
    `⏳ Queued: another Drover job${running} is working on \`${code(branch)}\`. ` +
    `This request starts when ${ahead > 1 ? `the ${ahead} ahead of it end` : 'it ends'}; this comment is updated then.${marker(ctx)}`
  );
}

const HEADLINES: Record<string, string> = {
  succeeded: '✅ Done',
  failed: '❌ Failed',
  timed_out: '⏱️ Timed out',
  cancelled: '🛑 Cancelled',
  needs_human: '⚠️ Needs a human',
};

/** The job ended: outcome, PR, duration, cost, turns; on failure the reason and the end of the output. */
export function finalBody(ctx: CommentContext, forge: ForgeName, job: JobRecord, tail: string[]): string {
  const facts = [
    job.durationMs !== null ? `took ${formatDuration(job.durationMs)}` : undefined,
    job.costUsd !== null ? `cost $${job.costUsd.toFixed(2)}` : undefined,
    job.turns !== null ? `${job.turns} turn${job.turns === 1 ? '' : 's'}` : undefined,
  ].filter(Boolean);
  const lines = [
    `${HEADLINES[job.status] ?? job.status}: Drover job ${jobLink(job.id, ctx.publicUrl)} **${job.status.replace('_', ' ')}**` +
      (job.errorKind && job.status !== 'succeeded' ? ` (\`${job.errorKind}\`)` : '') +
      (facts.length ? ` · ${facts.join(' · ')}` : ''),
  ];
  const prWord = forge === 'gitlab' ? 'Merge request' : 'Pull request';
  if (job.prUrl) lines.push('', `${prWord}: ${job.prUrl}`);
  if (job.commit) lines.push('', `Branch \`${code(job.branch)}\` at \`${job.commit.slice(0, 12)}\`.`);
  if (job.status !== 'succeeded' && job.errorMessage) {
    lines.push('', `> ${neutralize(job.errorMessage).replace(/\n/g, '\n> ')}`);
  }
  if (job.status !== 'succeeded' && tail.length) {
    lines.push(
      '',
      '<details><summary>End of the output</summary>',
      '',
      fenced(tail.join('\n')),
      '',
      '</details>',
    );
  }
  return lines.join('\n') + marker(ctx);
}

/** The job's record is gone (e.g. a Redis flush): say so rather than stay silent. */
export function lostJobBody(ctx: CommentContext, jobId: string): string {
  return `❔ Drover lost track of job ${jobLink(jobId, ctx.publicUrl)}: its record is gone from the store.${marker(ctx)}`;
}

export type RefusalReason = 'permission' | 'fork' | 'closed' | 'settings' | 'forge_error';

/** A polite reply when Drover will not run. `detail` is Drover's own text (masked), never a person's. */
export function refusalBody(
  ctx: CommentContext,
  reason: RefusalReason,
  who: string,
  forge: ForgeName,
  thread: ThreadRef,
  detail = '',
): string {
  const what = threadWord(forge, thread);
  const text: Record<RefusalReason, string> = {
    permission:
      `Sorry @${who}, only people with write access to this repository can ask Drover for changes. ` +
      'A maintainer can ask instead.',
    fork:
      `Drover does not push to forks, and the branch of ${what} lives in another repository. ` +
      'A maintainer can push the branch to this repository (or ask on an issue), then ask again.',
    closed: `${what[0]!.toUpperCase()}${what.slice(1)} is closed; Drover only works on open ones.`,
    settings: `Drover could not start a job: its settings for this repository are invalid (${neutralize(detail)}).`,
    forge_error: `Drover could not start a job: ${neutralize(detail)}`,
  };
  return `🙅 ${text[reason]}${marker(ctx)}`;
}

/** A code fence longer than any backtick run inside. */
function fenced(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

/** Inline code content: no backticks or line breaks. */
function code(text: string): string {
  return text.replace(/[`\r\n]/g, '');
}

/** Text outside code blocks: no @mentions that would ping people, no HTML. */
function neutralize(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9])/g, '@\u200b')
    .replace(/</g, '&lt;')
    .slice(0, 1000);
}
