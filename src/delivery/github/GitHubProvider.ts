import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { DeliveryError } from '../../errors.js';
import type { PrProvider, PullRequest, PullRequestInput } from '../types.js';

export interface GitHubProviderOptions {
  /** https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server. */
  baseUrl: string;
  token: string;
  owner: string;
  repo: string;
}

/** The fields Drover reads from GitHub's pull request payloads. */
const PullPayload = z.object({
  number: z.number().int().positive(),
  html_url: z.string().url(),
  draft: z.boolean().optional(),
});

const REQUEST_TIMEOUT_MS = 30_000;

function withTimeout(signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** GitHub pull requests through @octokit/rest (REST v3: list by head, create, update). */
export class GitHubProvider implements PrProvider {
  readonly name = 'github' as const;
  readonly repo: string;
  /** Loaded on first use: @octokit/rest is a large module most CLI commands and jobs never need. */
  private octokit: Promise<Octokit> | undefined;

  constructor(private readonly opts: GitHubProviderOptions) {
    this.repo = `${opts.owner}/${opts.repo}`;
  }

  private client(): Promise<Octokit> {
    const { token, baseUrl } = this.opts;
    this.octokit ??= import('@octokit/rest').then(
      ({ Octokit }) => new Octokit({ auth: token, baseUrl, userAgent: 'drover', log: quiet }),
    );
    return this.octokit;
  }

  async findOpen(head: string, signal?: AbortSignal): Promise<PullRequest | undefined> {
    const res = await this.call('looking up the open pull request', async () =>
      (await this.client()).rest.pulls.list({
        owner: this.opts.owner,
        repo: this.opts.repo,
        head: `${this.opts.owner}:${head}`,
        state: 'open',
        per_page: 10,
        request: { signal: withTimeout(signal) },
      }),
    );
    const list = z.array(PullPayload).safeParse(res.data);
    if (!list.success) throw this.malformed('the pull request list');
    const first = list.data[0];
    return first ? toPullRequest(first) : undefined;
  }

  async create(input: PullRequestInput, signal?: AbortSignal): Promise<PullRequest> {
    const res = await this.call('opening the pull request', async () =>
      (await this.client()).rest.pulls.create({
        owner: this.opts.owner,
        repo: this.opts.repo,
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body,
        draft: input.draft,
        request: { signal: withTimeout(signal) },
      }),
    );
    return this.parse(res.data, 'the created pull request');
  }

  async update(number: number, input: PullRequestInput, signal?: AbortSignal): Promise<PullRequest> {
    // REST cannot toggle draft state (GraphQL only): a draft stays a draft until a human marks it ready.
    const res = await this.call(`updating pull request #${number}`, async () =>
      (await this.client()).rest.pulls.update({
        owner: this.opts.owner,
        repo: this.opts.repo,
        pull_number: number,
        title: input.title,
        body: input.body,
        base: input.base,
        request: { signal: withTimeout(signal) },
      }),
    );
    return this.parse(res.data, `pull request #${number}`);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const status = (err as { status?: number }).status;
      const message = (err as { response?: { data?: { message?: unknown } } }).response?.data?.message;
      const detail =
        typeof status === 'number'
          ? `HTTP ${status}${typeof message === 'string' ? `: ${message}` : ''}`
          : (err as Error).message;
      throw new DeliveryError(`GitHub: ${what} in ${this.repo} failed (${detail}).`, { cause: err });
    }
  }

  private parse(data: unknown, what: string): PullRequest {
    const parsed = PullPayload.safeParse(data);
    if (!parsed.success) throw this.malformed(what);
    return toPullRequest(parsed.data);
  }

  private malformed(what: string): DeliveryError {
    return new DeliveryError(`GitHub: ${what} from ${this.opts.baseUrl} was not a pull request payload.`);
  }
}

function toPullRequest(p: z.infer<typeof PullPayload>): PullRequest {
  return { number: p.number, url: p.html_url, draft: p.draft === true };
}
