import { z } from 'zod';
import { DeliveryError } from '../../errors.js';
import type { PrProvider, PullRequest, PullRequestInput } from '../types.js';
import { gitlabRequest } from './gitlabRequest.js';

export interface GitLabProviderOptions {
  /** The instance's REST root, ending in /api/v4. */
  apiUrl: string;
  token: string;
  /** The project's full path, e.g. group/sub/project. */
  project: string;
  /** Per-request limit (default 30s). */
  timeoutMs?: number;
}

const MergeRequestPayload = z.object({
  iid: z.number().int().positive(),
  web_url: z.string().url(),
  draft: z.boolean().optional(),
  work_in_progress: z.boolean().optional(),
});

const DRAFT_PREFIX = 'Draft: ';

/** GitLab merge requests through REST v4 (list by source branch, create, update). */
export class GitLabProvider implements PrProvider {
  readonly name = 'gitlab' as const;
  readonly repo: string;

  constructor(private readonly opts: GitLabProviderOptions) {
    this.repo = opts.project;
  }

  async findOpen(head: string, signal?: AbortSignal): Promise<PullRequest | undefined> {
    const query = new URLSearchParams({ source_branch: head, state: 'opened' });
    const data = await this.request(
      'GET',
      `/merge_requests?${query}`,
      undefined,
      'looking up the open merge request',
      signal,
    );
    const list = z.array(MergeRequestPayload).safeParse(data);
    if (!list.success) throw this.malformed('the merge request list');
    const first = list.data[0];
    return first ? toPullRequest(first) : undefined;
  }

  async create(input: PullRequestInput, signal?: AbortSignal): Promise<PullRequest> {
    const data = await this.request(
      'POST',
      '/merge_requests',
      {
        source_branch: input.head,
        target_branch: input.base,
        title: draftTitle(input),
        description: input.body,
      },
      'opening the merge request',
      signal,
    );
    return this.parse(data, 'the created merge request');
  }

  async update(iid: number, input: PullRequestInput, signal?: AbortSignal): Promise<PullRequest> {
    // The "Draft: " title prefix is GitLab's draft flag: updating the title sets or clears it.
    const data = await this.request(
      'PUT',
      `/merge_requests/${iid}`,
      { title: draftTitle(input), description: input.body, target_branch: input.base },
      `updating merge request !${iid}`,
      signal,
    );
    return this.parse(data, `merge request !${iid}`);
  }

  private request(
    method: string,
    path: string,
    body: Record<string, unknown> | undefined,
    what: string,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    return gitlabRequest(
      {
        method,
        url: `${this.opts.apiUrl}/projects/${encodeURIComponent(this.opts.project)}${path}`,
        token: this.opts.token,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      },
      {
        unreachable: (err) =>
          new DeliveryError(`GitLab: ${what} in ${this.repo} failed (${err.message}).`, { cause: err }),
        refused: (status, message) =>
          new DeliveryError(
            `GitLab: ${what} in ${this.repo} failed (HTTP ${status}${message === undefined ? '' : `: ${message}`}).`,
          ),
      },
    );
  }

  private parse(data: unknown, what: string): PullRequest {
    const parsed = MergeRequestPayload.safeParse(data);
    if (!parsed.success) throw this.malformed(what);
    return toPullRequest(parsed.data);
  }

  private malformed(what: string): DeliveryError {
    return new DeliveryError(`GitLab: ${what} from ${this.opts.apiUrl} was not a merge request payload.`);
  }
}

function draftTitle(input: PullRequestInput): string {
  const title = input.title.replace(/^(?:Draft:\s*|WIP:\s*)+/i, '');
  return input.draft ? `${DRAFT_PREFIX}${title}` : title;
}

function toPullRequest(p: z.infer<typeof MergeRequestPayload>): PullRequest {
  return { number: p.iid, url: p.web_url, draft: p.draft === true || p.work_in_progress === true };
}

/** The REST root for an instance URL given with or without /api/v4. */
export function gitlabApiRoot(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v4') ? trimmed : `${trimmed}/api/v4`;
}
