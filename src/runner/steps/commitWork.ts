import { runnerRepo } from '../../delivery/workspaceTree.js';
import { NoChangesError } from '../../errors.js';
import { commitChanges } from '../../git/repoOps.js';
import { shortId } from '../../jobs/ids.js';
import type { JobContext } from '../../pipeline/JobContext.js';

/** The runner, never the agent, commits what the agent changed. */
export async function commitWork(ctx: JobContext): Promise<void> {
  const result = await commitChanges(runnerRepo(ctx), {
    message: commitMessage(ctx),
    authorName: ctx.config.authorName,
    authorEmail: ctx.config.authorEmail,
    baseSha: ctx.startSha ?? ctx.baseSha!,
    report: (line) => ctx.output.system(line),
  });
  ctx.commit = result.commit;
  ctx.changed = result.changed;
  if (result.changed && (ctx.startSha ?? ctx.baseSha) === ctx.baseSha)
    ctx.commitDiff = { commit: result.commit, text: result.diff };
  if (!result.changed) {
    if (!ctx.spec.allowNoChanges) throw new NoChangesError();
    ctx.output.system('The agent made no changes (allowed by --allow-no-changes); nothing to push');
    return;
  }
  ctx.output.system(
    `${result.committed ? 'Committed' : 'Kept the agent’s commits at'} ${result.commit.slice(0, 12)} (${result.filesChanged} file${
      result.filesChanged === 1 ? '' : 's'
    } changed)`,
  );
  await ctx.store.update(ctx.job.id, { commit: result.commit });
}

export function commitMessage(ctx: JobContext): string {
  const firstLine =
    ctx.spec.prompt
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  const title = firstLine.length > 72 ? `${firstLine.slice(0, 71)}…` : firstLine;
  const subject = ctx.config.commitTemplate
    .replaceAll('{title}', title)
    .replaceAll('{id8}', shortId(ctx.job.id))
    .replaceAll('{id}', ctx.job.id)
    .replaceAll('{agent}', ctx.spec.agent);
  return `${subject}\n\n${ctx.spec.prompt.trim()}\n\nDrover-Job: ${ctx.job.id}\n`;
}
