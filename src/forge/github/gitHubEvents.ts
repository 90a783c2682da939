import { z } from 'zod';
import { isDroverComment, mentions } from '../mention.js';
import { parsePayload } from '../parsePayload.js';
import type { ForgeUser, ParsedWebhook, ReactionTarget, ThreadKind, ThreadRef, Trigger } from '../types.js';

// The fields Drover reads from GitHub's webhook payloads (the rest is ignored: real ones are large).

const User = z.object({
  login: z.string().min(1).max(100),
  id: z.number().int().optional(),
  type: z.string().max(50).optional(),
});
const Repository = z.object({
  full_name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name')
    .refine((n) => n.split('/').every((part) => part !== '.' && part !== '..'), 'must be owner/name'),
  clone_url: z.string().url().max(2048),
});
const Installation = z.object({ id: z.number().int().positive() }).nullish();
const Body = z.string().max(1_000_000).nullish();
const Issue = z.object({
  number: z.number().int().positive(),
  title: z.string().max(10_000),
  body: Body,
  html_url: z.string().max(2048),
  pull_request: z.object({}).passthrough().nullish(),
});
const PullRequest = z.object({
  number: z.number().int().positive(),
  title: z.string().max(10_000),
  body: Body,
  html_url: z.string().max(2048),
});
const Comment = z.object({
  id: z.number().int().positive(),
  body: Body,
  html_url: z.string().max(2048).optional(),
  user: User,
});
const Common = {
  action: z.string().max(100),
  repository: Repository,
  sender: User,
  installation: Installation,
};

const IssueCommentEvent = z.object({ ...Common, issue: Issue, comment: Comment });
const IssuesEvent = z.object({ ...Common, issue: Issue, label: z.object({ name: z.string() }).nullish() });
const ReviewEvent = z.object({ ...Common, review: Comment, pull_request: PullRequest });
const ReviewCommentEvent = z.object({ ...Common, comment: Comment, pull_request: PullRequest });

export const GITHUB_EVENTS = [
  'issue_comment',
  'issues',
  'pull_request_review',
  'pull_request_review_comment',
];

export interface TriggerWords {
  mention: string;
  label: string;
}

/**
 * A verified GitHub delivery → a trigger, or the reason it is ignored. Triggers: the mention in a new
 * issue/PR comment, a submitted review's body or a new review comment; the label added to an issue;
 * an issue opened with the mention. Edits, deletions and Drover's own comments never trigger.
 */
export function parseGitHubEvent(
  event: string,
  deliveryId: string,
  payload: unknown,
  words: TriggerWords,
): ParsedWebhook {
  if (event === 'ping') return { type: 'ping' };
  if (!GITHUB_EVENTS.includes(event)) return { type: 'ignore', reason: `event "${event}" is not handled` };
  const base = (p: z.infer<z.ZodObject<typeof Common>>) => ({
    forge: 'github' as const,
    deliveryId,
    event,
    repo: {
      forge: 'github' as const,
      path: p.repository.full_name,
      ...(p.installation ? { installationId: p.installation.id } : {}),
    },
    cloneUrl: p.repository.clone_url,
  });

  if (event === 'issues') {
    const p = parsePayload(IssuesEvent, payload, event);
    const thread = { kind: 'issue' as const, number: p.issue.number };
    const labeled = p.action === 'labeled' && p.label?.name.toLowerCase() === words.label.toLowerCase();
    const opened = p.action === 'opened' && mentions(p.issue.body ?? '', words.mention);
    if (!labeled && !opened) {
      return {
        type: 'ignore',
        reason:
          p.action === 'labeled'
            ? `label "${p.label?.name ?? ''}" is not "${words.label}"`
            : p.action === 'opened'
              ? `the new issue does not mention ${words.mention}`
              : `issues action "${p.action}" does not trigger`,
      };
    }
    return trigger({
      ...base(p),
      thread: details(thread, p.issue),
      actor: user(p.sender),
      via: labeled ? 'label' : 'opened',
      reactTo: { type: 'thread', thread },
    });
  }
  const c = commentEvent(event, payload);
  if (c.p.action !== c.action) return ignoreAction(c.what, c.p.action);
  const body = c.comment.body ?? '';
  const skip = commentSkip(body, words);
  if (skip) return { type: 'ignore', reason: skip };
  const thread = { kind: c.kind, number: c.item.number };
  const commentId = String(c.comment.id);
  return trigger({
    ...base(c.p),
    thread: details(thread, c.item),
    actor: user(c.comment.user),
    via: c.via,
    comment: { id: commentId, body, ...(c.comment.html_url ? { url: c.comment.html_url } : {}) },
    reactTo: c.reactOn === 'thread' ? { type: 'thread', thread } : { type: c.reactOn, thread, commentId },
  });
}

/** An event whose trigger is a comment-like text: an issue/PR comment, a review, a review comment. */
interface CommentEvent extends CommentKind {
  p: z.infer<z.ZodObject<typeof Common>>;
  kind: ThreadKind;
  item: z.infer<typeof PullRequest>;
  comment: z.infer<typeof Comment>;
}

interface CommentKind {
  /** The only action that triggers (a new one). */
  action: string;
  what: string;
  via: Trigger['via'];
  reactOn: ReactionTarget['type'];
}

const ISSUE_COMMENT: CommentKind = { action: 'created', what: 'comment', via: 'comment', reactOn: 'comment' };
// Reviews take no reactions: the 👀 goes on the pull request.
const REVIEW: CommentKind = { action: 'submitted', what: 'review', via: 'review', reactOn: 'thread' };
const REVIEW_COMMENT: CommentKind = {
  action: 'created',
  what: 'review comment',
  via: 'review_comment',
  reactOn: 'review_comment',
};

function commentEvent(event: string, payload: unknown): CommentEvent {
  if (event === 'issue_comment') {
    const p = parsePayload(IssueCommentEvent, payload, event);
    const kind = p.issue.pull_request ? 'pr' : 'issue';
    return { ...ISSUE_COMMENT, p, kind, item: p.issue, comment: p.comment };
  }
  if (event === 'pull_request_review') {
    const p = parsePayload(ReviewEvent, payload, event);
    return { ...REVIEW, p, kind: 'pr', item: p.pull_request, comment: p.review };
  }
  const p = parsePayload(ReviewCommentEvent, payload, event);
  return { ...REVIEW_COMMENT, p, kind: 'pr', item: p.pull_request, comment: p.comment };
}

function details(thread: ThreadRef, item: z.infer<typeof PullRequest>): Trigger['thread'] {
  return { ...thread, title: item.title, body: item.body ?? '', url: item.html_url };
}

function trigger(t: Trigger): ParsedWebhook {
  return { type: 'trigger', trigger: t };
}

function ignoreAction(what: string, action: string): ParsedWebhook {
  return { type: 'ignore', reason: `${what} ${action}: only new ones trigger` };
}

function commentSkip(body: string, words: TriggerWords): string | undefined {
  if (isDroverComment(body)) return 'the comment is Drover’s own';
  if (!mentions(body, words.mention)) return `the comment does not mention ${words.mention}`;
  return undefined;
}

export function user(u: z.infer<typeof User>): ForgeUser {
  return {
    login: u.login,
    ...(u.id !== undefined ? { id: u.id } : {}),
    bot: u.type === 'Bot' || u.login.toLowerCase().endsWith('[bot]'),
  };
}
