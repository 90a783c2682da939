import type { ForgeTask } from './ForgeTask.js';

export type ForgeName = 'github' | 'gitlab';

/** A repository as its forge names it, with what the forge's API needs to reach it. */
export interface ForgeRepo {
  forge: ForgeName;
  /** `owner/name` (GitHub) or the project's full path with its groups (GitLab). */
  path: string;
  /** GitLab's numeric project id. */
  projectId?: number;
  /** The GitHub App installation covering the repository (from the webhook, else looked up). */
  installationId?: number;
}

export type ThreadKind = 'issue' | 'pr';

/** An issue or a pull/merge request: where Drover reacts and comments. */
export interface ThreadRef {
  kind: ThreadKind;
  /** GitHub's number, GitLab's iid. */
  number: number;
}

export interface ForgeUser {
  login: string;
  /** GitLab's numeric user id (its member API needs it). */
  id?: number;
  /** A bot account (GitHub `type: Bot` or a `[bot]` login, GitLab project/group bots). */
  bot: boolean;
}

export type Permission = 'write' | 'read' | 'none';

/** What Drover's 👀 goes on. */
export type ReactionTarget =
  | { type: 'thread'; thread: ThreadRef }
  | { type: 'comment'; thread: ThreadRef; commentId: string }
  | { type: 'review_comment'; thread: ThreadRef; commentId: string };

export interface PullInfo {
  number: number;
  title: string;
  body: string;
  url: string;
  state: 'open' | 'closed' | 'merged';
  headRef: string;
  baseRef: string;
  /** The head branch lives in another repository (a fork): Drover never pushes there. */
  fromFork: boolean;
}

/** A review comment on a line of the diff (GitHub review comment, GitLab diff note). */
export interface ReviewNote {
  path: string;
  line?: number;
  startLine?: number;
  author: string;
  body: string;
}

/** A comment in an issue's or PR's conversation. */
export interface ThreadNote {
  author: string;
  body: string;
  bot: boolean;
}

/**
 * The port each forge implements for the intake and the reporter. Adapters: GitHubApi (@octokit/rest,
 * token or App installation tokens) and GitLabApi (REST v4 through fetch). Failures are ForgeApiErrors
 * carrying the HTTP status.
 */
export interface ForgeApi {
  readonly forge: ForgeName;
  /** The commenter's access to the repository, asked of the forge (never inferred from the payload). */
  permission(repo: ForgeRepo, user: ForgeUser): Promise<Permission>;
  /** Drover's own login on the forge when it comments as a user (token mode), so it ignores itself. */
  selfLogin(repo: ForgeRepo): Promise<string | undefined>;
  react(repo: ForgeRepo, target: ReactionTarget): Promise<void>;
  /** Posts a comment in the thread; returns its id. */
  createComment(repo: ForgeRepo, thread: ThreadRef, body: string): Promise<string>;
  updateComment(repo: ForgeRepo, thread: ThreadRef, commentId: string, body: string): Promise<void>;
  getPull(repo: ForgeRepo, number: number): Promise<PullInfo>;
  /** Review comments still open on the PR's diff, oldest first. */
  reviewNotes(repo: ForgeRepo, number: number): Promise<ReviewNote[]>;
  /** The conversation of an issue or PR, oldest first (bounded). */
  threadNotes(repo: ForgeRepo, thread: ThreadRef): Promise<ThreadNote[]>;
}

/** A verified webhook, reduced to what Drover acts on. */
export interface Trigger {
  forge: ForgeName;
  deliveryId: string;
  /** The forge's event name (`issue_comment`, `Note Hook`...). */
  event: string;
  repo: ForgeRepo;
  /** From the payload (`repository.clone_url` / `project.git_http_url`). */
  cloneUrl: string;
  thread: ThreadRef & { title: string; body: string; url: string };
  actor: ForgeUser;
  via: 'comment' | 'review' | 'review_comment' | 'label' | 'opened';
  /** The comment (or review) that asked; absent for a label or an opened issue. */
  comment?: { id: string; body: string; url?: string };
  reactTo: ReactionTarget;
}

/** What a webhook parser makes of a verified payload. */
export type ParsedWebhook =
  | { type: 'trigger'; trigger: Trigger }
  | { type: 'ignore'; reason: string }
  | { type: 'ping' };

/**
 * Forge bookkeeping that must survive restarts and be shared by every `drover serve` on one store:
 * deliveries seen, tasks (one trigger each: its job, its Drover comment, what is left to report), and
 * one line of tasks per branch so only one job runs on a branch at a time. Adapters: SqliteForgeState
 * (`forge.db` in the data dir) and RedisForgeState (`forge:*` keys under the store's prefix).
 */
export interface ForgeState {
  /** True the first time `key` is seen within `ttlMs` (a delivery id, a one-time reply), else false. */
  firstSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets a key marked by firstSeen (processing failed: a redelivery may try again). */
  forget(key: string): Promise<void>;
  saveTask(task: ForgeTask): Promise<void>;
  getTask(id: string): Promise<ForgeTask | undefined>;
  /** Appends the task to its lane; returns how many tasks are ahead of it (0: it runs now). */
  enterLane(lane: string, taskId: string): Promise<number>;
  /** The task at the head of the lane (the one running), if any. */
  laneHead(lane: string): Promise<string | undefined>;
  /** Removes the task from the head of its lane; returns the task now at the head, if any. */
  leaveLane(lane: string, taskId: string): Promise<string | undefined>;
  /** Open tasks whose next check is due at `now` (epoch ms), soonest first. */
  dueTasks(now: number, limit: number): Promise<ForgeTask[]>;
  /** Holds a task for `ms` so one reporter works on it at a time (across processes). */
  lockTask(id: string, ms: number): Promise<boolean>;
  unlockTask(id: string): Promise<void>;
  close(): Promise<void>;
}
