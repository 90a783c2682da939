import { formatDuration } from '../config/duration.js';
import type { JobContext } from '../pipeline/JobContext.js';
import type { DeliveryState, VerifyCommandResult } from './DeliveryState.js';
import { clip, clipStart } from './feedbackPrompts.js';

/** GitHub caps bodies at 65,536 characters; GitLab's limit is higher. */
const MAX_BODY = 60_000;
const MAX_TITLE = 100;

/** The PR/MR title: the prompt's first non-empty line, bounded. */
export function promptTitle(prompt: string): string {
  const first =
    prompt
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? 'Drover change';
  return first.length > MAX_TITLE ? `${first.slice(0, MAX_TITLE - 1)}…` : first;
}

/**
 * The PR/MR description: why it is a draft (if it is), the task, the agent's summary, verify
 * results (with the failing output), the review outcome, cost and turns, and the job link. Masked.
 */
export function prBody(ctx: JobContext, state: DeliveryState, publicUrl?: string): string {
  const out: string[] = [];
  if (state.deferredError) {
    const what = state.deferredError.kind === 'verify' ? 'Verification failed' : 'Needs a human';
    out.push(`> **Draft — ${what}.** ${state.deferredError.message}`, '');
  }
  out.push('## Task', '', quote(clipStart(ctx.spec.prompt.trim(), 4000)), '');
  const message = state.executorMessage ?? ctx.agentRuns[0]?.message;
  out.push('## Result', '', message ? clipStart(message.trim(), 4000) : '_The agent left no summary._', '');

  out.push('## Verification', '');
  const last = state.verifyRounds.at(-1);
  if (!last) out.push('_No verify commands were configured._');
  else {
    const rounds = state.verifyRounds.length;
    out.push(
      `${last.ok ? '✅ Passed' : '❌ Failed'}${rounds > 1 ? ` (after ${rounds} verify rounds)` : ''}.`,
      '',
    );
    for (const r of last.results) out.push(`- ${r.ok ? '✅' : '❌'} \`${r.command}\` — ${outcome(r)}`);
    for (const r of last.results.filter((x) => !x.ok)) {
      out.push('', `<details><summary>Output of <code>${escapeHtml(r.command)}</code></summary>`, '');
      out.push(fenced(clip(r.tail, 8000)), '', '</details>');
    }
  }
  out.push('');

  if (state.reviews.length > 0) {
    const review = state.reviews.at(-1)!;
    out.push('## Review', '');
    out.push(
      `${review.outcome === 'PASS' ? '✅' : review.outcome === 'FAIL' ? '❌' : '❔'} ${review.outcome} after ${state.reviews.length} review${state.reviews.length === 1 ? '' : 's'}.`,
    );
    if (review.outcome !== 'PASS' && review.findings) {
      out.push(
        '',
        '<details><summary>Last findings</summary>',
        '',
        fenced(clip(review.findings, 8000)),
        '',
        '</details>',
      );
    }
    out.push('');
  }

  const runs = ctx.agentRuns.length;
  out.push('## Run', '');
  out.push(
    `- Agent: \`${ctx.spec.agent}\`${ctx.spec.review ? `, reviewer \`${ctx.spec.reviewAgent ?? ctx.spec.agent}\`` : ''} (${runs} run${runs === 1 ? '' : 's'})`,
  );
  if (ctx.costUsd !== undefined || ctx.turns !== undefined) {
    out.push(
      `- Cost: ${ctx.costUsd !== undefined ? `$${ctx.costUsd.toFixed(4)}` : 'unknown'} · turns: ${ctx.turns ?? 'unknown'}`,
    );
  }
  if (ctx.commit) out.push(`- Commit: ${ctx.commit} on \`${ctx.branch}\``);
  const link = publicUrl ? ` — [logs and artifacts](${publicUrl}/jobs/${ctx.job.id})` : '';
  out.push(`- Job: \`${ctx.job.id}\`${link} (\`drover logs ${ctx.job.id}\`)`, '');
  out.push('<sub>Opened by Drover. A later job on this branch updates this description.</sub>');
  out.push(`<!-- drover-job: ${ctx.job.id} -->`);
  return clipStart(ctx.masker.mask(out.join('\n')), MAX_BODY);
}

function outcome(r: VerifyCommandResult): string {
  const took = formatDuration(r.durationMs);
  if (r.ok) return `passed (${took})`;
  if (r.reason === 'spawn') return 'could not start';
  if (r.reason === 'idle') return `stopped: no output (${took})`;
  return r.exitCode === null ? `killed by ${r.signal} (${took})` : `exit ${r.exitCode} (${took})`;
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/** A code fence longer than any backtick run inside the text, so output cannot close it early. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
