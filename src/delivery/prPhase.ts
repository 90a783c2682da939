import type { JobContext } from '../pipeline/JobContext.js';
import { loadDeliveryConfig } from './DeliveryConfig.js';
import { deliveryState } from './deliveryStateOf.js';
import { openPrProvider } from './openPrProvider.js';
import { prBody, promptTitle } from './prBody.js';
import { upsertPullRequest } from './types.js';

/** A PR is wanted with --pr, and with --pr-on-failure once verify has failed (a draft). */
export function wantsPr(ctx: JobContext): boolean {
  if (ctx.spec.pr) return true;
  return ctx.spec.prOnFailure === true && deliveryState(ctx).deferredError?.kind === 'verify';
}

/** The 'pr' phase runs after a push when a PR is wanted and the branch is on the remote. */
export function prPhaseWhen(ctx: JobContext): boolean {
  return wantsPr(ctx) && ctx.spec.push !== false && ctx.changed === true;
}

/** Before anything costly runs: the PR target must resolve (provider, repository path, token). */
export async function checkPrTarget(ctx: JobContext): Promise<void> {
  const { provider, apiUrl } = openPrProvider(ctx);
  ctx.output.system(`Pull requests go to ${provider.name} ${provider.repo} (${apiUrl})`);
}

/** Opens the branch's PR/MR, or updates the open one; draft when an error is held back. */
export async function prPhase(ctx: JobContext): Promise<void> {
  const state = deliveryState(ctx);
  const { provider } = openPrProvider(ctx);
  const { publicUrl } = loadDeliveryConfig(ctx.config.hostEnv);
  const draft = state.deferredError !== undefined;
  const pr = await upsertPullRequest(
    provider,
    {
      head: ctx.branch,
      base: ctx.baseRef!,
      title: ctx.masker.mask(ctx.spec.prTitle ?? promptTitle(ctx.spec.prompt)),
      body: prBody(ctx, state, publicUrl),
      draft,
    },
    ctx.signal,
  );
  state.prUrl = pr.url;
  state.prNumber = pr.number;
  await ctx.store.update(ctx.job.id, { prUrl: pr.url });
  const kind = provider.name === 'gitlab' ? 'merge request' : 'pull request';
  const ref = provider.name === 'gitlab' ? `!${pr.number}` : `#${pr.number}`;
  ctx.output.system(
    `${pr.created ? 'Opened' : 'Updated'} ${draft && pr.created ? 'draft ' : ''}${kind} ${ref}: ${pr.url}`,
    'pr',
    { url: pr.url, number: pr.number, created: pr.created, draft: pr.draft, provider: provider.name },
  );
}
