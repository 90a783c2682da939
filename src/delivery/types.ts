/** A pull request (GitHub) or merge request (GitLab) as Drover tracks it. */
export interface PullRequest {
  /** GitHub's number, GitLab's iid. */
  number: number;
  url: string;
  draft: boolean;
}

export interface PullRequestInput {
  /** The job's branch. */
  head: string;
  /** The branch the change targets (the job's base). */
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export type PrProviderName = 'github' | 'gitlab';

/**
 * The port every forge implements. Adapters: GitHubProvider (@octokit/rest, GitHub and GitHub
 * Enterprise) and GitLabProvider (REST v4 through fetch). Errors are DeliveryErrors naming the step.
 */
export interface PrProvider {
  readonly name: PrProviderName;
  /** The repository as the forge names it: owner/name, or a GitLab project path. */
  readonly repo: string;
  /** The open PR/MR whose head is `head` in this repository, if any. */
  findOpen(head: string, signal?: AbortSignal): Promise<PullRequest | undefined>;
  create(input: PullRequestInput, signal?: AbortSignal): Promise<PullRequest>;
  /** Updates title, body and base of an open PR/MR (draft state is kept where the forge cannot change it). */
  update(number: number, input: PullRequestInput, signal?: AbortSignal): Promise<PullRequest>;
}

/** Idempotent delivery: updates the open PR/MR of the branch, or opens one. */
export async function upsertPullRequest(
  provider: PrProvider,
  input: PullRequestInput,
  signal?: AbortSignal,
): Promise<PullRequest & { created: boolean }> {
  const open = await provider.findOpen(input.head, signal);
  if (open) return { ...(await provider.update(open.number, input, signal)), created: false };
  return { ...(await provider.create(input, signal)), created: true };
}
