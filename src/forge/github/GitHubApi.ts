import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { ForgeApiError } from '../../errors.js';
import { PAGE_SIZE, readPages } from '../readPages.js';
import type {
  ForgeApi,
  ForgeRepo,
  ForgeUser,
  Permission,
  PullInfo,
  ReactionTarget,
  ReviewNote,
  ThreadNote,
  ThreadRef,
} from '../types.js';
import type { GitHubAppTokens } from './GitHubAppTokens.js';
import { githubCall, loadOctokit, quietLog, requestOptions } from './octokitClient.js';

export interface GitHubApiOptions {
  /** https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server. */
  baseUrl: string;
  /** App mode: a token per repository, minted from the installation. */
  app?: GitHubAppTokens;
  /** Token mode (DROVER_GITHUB_TOKEN), when there is no App. */
  token?: string;
}

const Login = z.object({ login: z.string(), type: z.string().optional() });
const PermissionPayload = z.object({ permission: z.string(), role_name: z.string().optional() });
const CommentPayload = z.object({ id: z.number().int().positive() });
const PullPayload = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  html_url: z.string(),
  state: z.string(),
  merged: z.boolean().nullish(),
  merged_at: z.string().nullish(),
  head: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }).nullish() }),
  base: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }) }),
});
const ReviewCommentPayload = z.object({
  path: z.string(),
  line: z.number().int().nullish(),
  start_line: z.number().int().nullish(),
  body: z.string().nullish(),
  user: Login.nullish(),
});
const IssueCommentPayload = z.object({ body: z.string().nullish(), user: Login.nullish() });

const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);

/** GitHub (and GitHub Enterprise) through @octokit/rest, as a GitHub App installation or with a token. */
export class GitHubApi implements ForgeApi {
  readonly forge = 'github' as const;
  private readonly clients = new Map<string, Promise<Octokit>>();
  private self: Promise<string | undefined> | undefined;

  constructor(private readonly opts: GitHubApiOptions) {}

  private async client(repo: ForgeRepo): Promise<Octokit> {
    const token = this.opts.app ? await this.opts.app.token(repo.path, repo.installationId) : this.opts.token;
    if (!token)
      throw new ForgeApiError('GitHub: no credentials (DROVER_GITHUB_APP_* or DROVER_GITHUB_TOKEN)');
    let client = this.clients.get(token);
    if (!client) {
      // Installation tokens rotate hourly: keep a handful of clients, not one per token ever seen.
      if (this.clients.size > 50) this.clients.clear();
      client = loadOctokit().then(
        (Octokit) =>
          new Octokit({ auth: token, baseUrl: this.opts.baseUrl, userAgent: 'drover', log: quietLog }),
      );
      this.clients.set(token, client);
    }
    return client;
  }

  private parts(repo: ForgeRepo): { owner: string; repo: string } {
    const [owner, name] = repo.path.split('/') as [string, string];
    return { owner, repo: name };
  }

  async permission(repo: ForgeRepo, user: ForgeUser): Promise<Permission> {
    const gh = await this.client(repo);
    let data: unknown;
    try {
      ({ data } = await githubCall(`reading ${user.login}'s permission on ${repo.path}`, () =>
        gh.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
          ...this.parts(repo),
          username: user.login,
          request: requestOptions(),
        }),
      ));
    } catch (err) {
      // 404: not a collaborator (or no such user).
      if (err instanceof ForgeApiError && err.status === 404) return 'none';
      throw err;
    }
    const parsed = PermissionPayload.safeParse(data);
    if (!parsed.success) throw new ForgeApiError(`GitHub: the permission of ${user.login} was not readable`);
    const { permission, role_name } = parsed.data;
    if (WRITE_ROLES.has(permission) || (role_name && WRITE_ROLES.has(role_name))) return 'write';
    return permission === 'none' ? 'none' : 'read';
  }

  selfLogin(repo: ForgeRepo): Promise<string | undefined> {
    // An App comments as <slug>[bot], which the bot check already skips; a token comments as its user.
    if (this.opts.app) return Promise.resolve(undefined);
    this.self ??= (async () => {
      const gh = await this.client(repo);
      const { data } = await githubCall('reading the token’s user', () =>
        gh.request('GET /user', { request: requestOptions() }),
      );
      return Login.parse(data).login;
    })().catch((err) => {
      this.self = undefined;
      throw err;
    });
    return this.self;
  }

  async react(repo: ForgeRepo, target: ReactionTarget): Promise<void> {
    const gh = await this.client(repo);
    const p = this.parts(repo);
    const request = requestOptions();
    await githubCall(`reacting on ${repo.path}`, () => {
      if (target.type === 'comment') {
        return gh.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
          ...p,
          comment_id: Number(target.commentId),
          content: 'eyes',
          request,
        });
      }
      if (target.type === 'review_comment') {
        return gh.request('POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions', {
          ...p,
          comment_id: Number(target.commentId),
          content: 'eyes',
          request,
        });
      }
      return gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/reactions', {
        ...p,
        issue_number: target.thread.number,
        content: 'eyes',
        request,
      });
    });
  }

  async createComment(repo: ForgeRepo, thread: ThreadRef, body: string): Promise<string> {
    const gh = await this.client(repo);
    // PR conversation comments are issue comments on GitHub.
    const { data } = await githubCall(`commenting on ${repo.path}#${thread.number}`, () =>
      gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        ...this.parts(repo),
        issue_number: thread.number,
        body,
        request: requestOptions(),
      }),
    );
    const parsed = CommentPayload.safeParse(data);
    if (!parsed.success) throw new ForgeApiError('GitHub: the created comment has no id');
    return String(parsed.data.id);
  }

  async updateComment(repo: ForgeRepo, _thread: ThreadRef, commentId: string, body: string): Promise<void> {
    const gh = await this.client(repo);
    await githubCall(`editing comment ${commentId} on ${repo.path}`, () =>
      gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...this.parts(repo),
        comment_id: Number(commentId),
        body,
        request: requestOptions(),
      }),
    );
  }

  async getPull(repo: ForgeRepo, number: number): Promise<PullInfo> {
    const gh = await this.client(repo);
    const { data } = await githubCall(`reading pull request ${repo.path}#${number}`, () =>
      gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        ...this.parts(repo),
        pull_number: number,
        request: requestOptions(),
      }),
    );
    const parsed = PullPayload.safeParse(data);
    if (!parsed.success)
      throw new ForgeApiError(`GitHub: pull request ${repo.path}#${number} was not readable`);
    const p = parsed.data;
    return {
      number: p.number,
      title: p.title,
      body: p.body ?? '',
      url: p.html_url,
      state: p.merged || p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed',
      headRef: p.head.ref,
      baseRef: p.base.ref,
      // A deleted fork has no head repo: it is not this repository either.
      fromFork: p.head.repo?.full_name.toLowerCase() !== p.base.repo.full_name.toLowerCase(),
    };
  }

  async reviewNotes(repo: ForgeRepo, number: number): Promise<ReviewNote[]> {
    const items = await this.pages(repo, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
      pull_number: number,
    });
    return items.flatMap((raw) => {
      const c = ReviewCommentPayload.safeParse(raw);
      // REST cannot tell resolved threads; a comment whose line left the diff (outdated) has line null.
      if (!c.success || c.data.line === null || c.data.line === undefined) return [];
      return [
        {
          path: c.data.path,
          line: c.data.line,
          ...(c.data.start_line ? { startLine: c.data.start_line } : {}),
          author: c.data.user?.login ?? 'ghost',
          body: c.data.body ?? '',
        },
      ];
    });
  }

  async threadNotes(repo: ForgeRepo, thread: ThreadRef): Promise<ThreadNote[]> {
    const items = await this.pages(repo, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      issue_number: thread.number,
    });
    return items.flatMap((raw) => {
      const c = IssueCommentPayload.safeParse(raw);
      if (!c.success) return [];
      const login = c.data.user?.login ?? 'ghost';
      return [
        {
          author: login,
          body: c.data.body ?? '',
          bot: c.data.user?.type === 'Bot' || login.endsWith('[bot]'),
        },
      ];
    });
  }

  private async pages(repo: ForgeRepo, route: string, params: Record<string, unknown>): Promise<unknown[]> {
    const gh = await this.client(repo);
    const what = `reading ${route.split(' ')[1]} of ${repo.path}`;
    const query = { ...this.parts(repo), ...params, per_page: PAGE_SIZE };
    const readPage = async (page: number) => {
      const { data } = await githubCall(what, () =>
        gh.request(route, { ...query, page, request: requestOptions() }),
      );
      return data;
    };
    return readPages(readPage, () => new ForgeApiError(`GitHub: ${route} did not return a list`));
  }
}
