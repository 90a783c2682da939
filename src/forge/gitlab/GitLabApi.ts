import { z } from 'zod';
import { gitlabRequest } from '../../delivery/gitlab/gitlabRequest.js';
import { ForgeApiError } from '../../errors.js';
import { FORGE_REQUEST_TIMEOUT_MS } from '../github/octokitClient.js';
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

export interface GitLabApiOptions {
  /** The instance's REST root, ending in /api/v4. */
  apiUrl: string;
  token: string;
}

const Member = z.object({ access_level: z.number().int() });
const Note = z.object({
  id: z.number().int().positive(),
  body: z.string().nullish(),
  system: z.boolean().nullish(),
  author: z.object({ username: z.string() }).nullish(),
  resolvable: z.boolean().nullish(),
  resolved: z.boolean().nullish(),
  position: z
    .object({
      new_path: z.string().nullish(),
      old_path: z.string().nullish(),
      new_line: z.number().int().nullish(),
      old_line: z.number().int().nullish(),
    })
    .nullish(),
});
const Discussion = z.object({ notes: z.array(Note) });
const MergeRequest = z.object({
  iid: z.number().int().positive(),
  title: z.string(),
  description: z.string().nullish(),
  web_url: z.string(),
  state: z.string(),
  source_branch: z.string(),
  target_branch: z.string(),
  source_project_id: z.number().int(),
  target_project_id: z.number().int(),
});

/** Developer (30) and above may push: the same bar as GitHub's write permission. */
const DEVELOPER = 30;
const REPORTER = 20;

/** GitLab (gitlab.com or self-managed) through REST v4 with `PRIVATE-TOKEN`. */
export class GitLabApi implements ForgeApi {
  readonly forge = 'gitlab' as const;
  private self: Promise<string | undefined> | undefined;

  constructor(private readonly opts: GitLabApiOptions) {}

  private project(repo: ForgeRepo): string {
    return `/projects/${repo.projectId ?? encodeURIComponent(repo.path)}`;
  }

  private noteable(repo: ForgeRepo, thread: ThreadRef): string {
    return `${this.project(repo)}/${thread.kind === 'pr' ? 'merge_requests' : 'issues'}/${thread.number}`;
  }

  async permission(repo: ForgeRepo, user: ForgeUser): Promise<Permission> {
    if (user.id === undefined) return 'none';
    let data: unknown;
    try {
      data = await this.request(
        'GET',
        `${this.project(repo)}/members/all/${user.id}`,
        undefined,
        `reading ${user.login}'s access to ${repo.path}`,
      );
    } catch (err) {
      if (err instanceof ForgeApiError && err.status === 404) return 'none';
      throw err;
    }
    const parsed = Member.safeParse(data);
    if (!parsed.success) throw new ForgeApiError(`GitLab: the membership of ${user.login} was not readable`);
    const level = parsed.data.access_level;
    return level >= DEVELOPER ? 'write' : level >= REPORTER ? 'read' : 'none';
  }

  selfLogin(): Promise<string | undefined> {
    this.self ??= this.request('GET', '/user', undefined, 'reading the token’s user')
      .then((data) => z.object({ username: z.string() }).parse(data).username)
      .catch((err) => {
        this.self = undefined;
        throw err;
      });
    return this.self;
  }

  async react(repo: ForgeRepo, target: ReactionTarget): Promise<void> {
    const path =
      target.type === 'thread'
        ? `${this.noteable(repo, target.thread)}/award_emoji`
        : `${this.noteable(repo, target.thread)}/notes/${encodeURIComponent(target.commentId)}/award_emoji`;
    await this.request('POST', path, { name: 'eyes' }, `awarding 👀 on ${repo.path}`);
  }

  async createComment(repo: ForgeRepo, thread: ThreadRef, body: string): Promise<string> {
    const data = await this.request(
      'POST',
      `${this.noteable(repo, thread)}/notes`,
      { body },
      `commenting on ${repo.path}`,
    );
    const parsed = z.object({ id: z.number().int().positive() }).safeParse(data);
    if (!parsed.success) throw new ForgeApiError('GitLab: the created note has no id');
    return String(parsed.data.id);
  }

  async updateComment(repo: ForgeRepo, thread: ThreadRef, commentId: string, body: string): Promise<void> {
    await this.request(
      'PUT',
      `${this.noteable(repo, thread)}/notes/${encodeURIComponent(commentId)}`,
      { body },
      `editing note ${commentId} on ${repo.path}`,
    );
  }

  async getPull(repo: ForgeRepo, number: number): Promise<PullInfo> {
    const data = await this.request(
      'GET',
      `${this.project(repo)}/merge_requests/${number}`,
      undefined,
      `reading merge request ${repo.path}!${number}`,
    );
    const parsed = MergeRequest.safeParse(data);
    if (!parsed.success)
      throw new ForgeApiError(`GitLab: merge request ${repo.path}!${number} was not readable`);
    const mr = parsed.data;
    return {
      number: mr.iid,
      title: mr.title,
      body: mr.description ?? '',
      url: mr.web_url,
      state: mr.state === 'opened' ? 'open' : mr.state === 'merged' ? 'merged' : 'closed',
      headRef: mr.source_branch,
      baseRef: mr.target_branch,
      fromFork: mr.source_project_id !== mr.target_project_id,
    };
  }

  async reviewNotes(repo: ForgeRepo, number: number): Promise<ReviewNote[]> {
    const discussions = await this.pages(
      `${this.project(repo)}/merge_requests/${number}/discussions`,
      `reading the discussions of ${repo.path}!${number}`,
    );
    return discussions.flatMap((raw) => {
      const d = Discussion.safeParse(raw);
      if (!d.success) return [];
      const first = d.data.notes[0];
      // Only open threads on the diff: resolvable, not resolved, attached to a line.
      if (!first?.resolvable || first.resolved || !first.position) return [];
      const path = first.position.new_path ?? first.position.old_path;
      if (!path) return [];
      const line = first.position.new_line ?? first.position.old_line ?? undefined;
      return d.data.notes
        .filter((n) => !n.system)
        .map((n) => ({
          path,
          ...(line !== undefined && line !== null ? { line } : {}),
          author: n.author?.username ?? 'ghost',
          body: n.body ?? '',
        }));
    });
  }

  async threadNotes(repo: ForgeRepo, thread: ThreadRef): Promise<ThreadNote[]> {
    const notes = await this.pages(
      `${this.noteable(repo, thread)}/notes?sort=asc&order_by=created_at`,
      `reading the notes of ${repo.path}`,
    );
    return notes.flatMap((raw) => {
      const n = Note.safeParse(raw);
      if (!n.success || n.data.system) return [];
      const author = n.data.author?.username ?? 'ghost';
      return [{ author, body: n.data.body ?? '', bot: /_bot(_[0-9a-f]+)?$|\[bot\]$/i.test(author) }];
    });
  }

  private pages(path: string, what: string): Promise<unknown[]> {
    const sep = path.includes('?') ? '&' : '?';
    return readPages(
      (page) => this.request('GET', `${path}${sep}per_page=${PAGE_SIZE}&page=${page}`, undefined, what),
      () => new ForgeApiError(`GitLab: ${what} did not return a list`),
    );
  }

  private request(method: string, path: string, body: unknown, what: string): Promise<unknown> {
    return gitlabRequest(
      {
        method,
        url: `${this.opts.apiUrl}${path}`,
        token: this.opts.token,
        body,
        signal: AbortSignal.timeout(FORGE_REQUEST_TIMEOUT_MS),
      },
      {
        unreachable: (err) =>
          new ForgeApiError(`GitLab: ${what} failed (${err.message})`, undefined, { cause: err }),
        refused: (status, message) =>
          new ForgeApiError(
            `GitLab: ${what} failed (HTTP ${status}${message === undefined ? '' : `: ${message.slice(0, 200)}`})`,
            status,
          ),
      },
    );
  }
}
