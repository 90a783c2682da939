import { z } from 'zod';
import type { TriggerWords } from '../github/gitHubEvents.js';
import { isDroverComment, mentions } from '../mention.js';
import { parsePayload } from '../parsePayload.js';
import type { ForgeUser, ParsedWebhook, Trigger } from '../types.js';

// The fields Drover reads from GitLab's webhook payloads (the rest is ignored).

const User = z.object({ id: z.number().int().positive(), username: z.string().min(1).max(255) });
const Project = z.object({
  id: z.number().int().positive(),
  path_with_namespace: z
    .string()
    .max(500)
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, 'must be a project path like group/project')
    .refine(
      (p) => p.split('/').every((part) => part !== '.' && part !== '..'),
      'must be a project path like group/project',
    ),
  git_http_url: z.string().url().max(2048),
});
const Text = z.string().max(1_000_000).nullish();
const Noteable = z.object({
  iid: z.number().int().positive(),
  title: z.string().max(10_000),
  description: Text,
  url: z.string().max(2048).optional(),
});
const NoteEvent = z.object({
  object_kind: z.literal('note'),
  user: User,
  project: Project,
  object_attributes: z.object({
    id: z.number().int().positive(),
    note: Text,
    noteable_type: z.string().max(50),
    url: z.string().max(2048).optional(),
    action: z.string().max(50).nullish(),
    system: z.boolean().nullish(),
  }),
  issue: Noteable.nullish(),
  merge_request: Noteable.nullish(),
});
const Label = z.object({ title: z.string().max(255) });
const IssueEvent = z.object({
  object_kind: z.literal('issue'),
  user: User,
  project: Project,
  object_attributes: Noteable.extend({ action: z.string().max(50).nullish() }),
  changes: z
    .object({
      labels: z.object({ previous: z.array(Label).nullish(), current: z.array(Label).nullish() }).nullish(),
    })
    .nullish(),
});

/** Internal GitLab bots, and project/group access-token bots (`project_42_bot_<hex>`). */
const GITLAB_BOT =
  /^(?:(?:project|group)_\d+_bot(?:_[0-9a-f]+)?|alert-bot|support-bot|visual-review-bot|security-bot|automation-bot|gitlab-admin-bot|ghost\d*)$|\[bot\]$/i;

/**
 * A verified GitLab delivery → a trigger, or the reason it is ignored. Triggers: the mention in a new
 * note on an issue or merge request (diff notes included); the label added to an issue; an issue
 * opened with the mention. Edits, system notes, confidential items and Drover's own notes never trigger.
 */
export function parseGitLabEvent(
  event: string,
  deliveryId: string,
  payload: unknown,
  words: TriggerWords,
): ParsedWebhook {
  if (event === 'Confidential Note Hook' || event === 'Confidential Issue Hook') {
    return { type: 'ignore', reason: 'confidential issues and notes are not handled' };
  }
  if (event !== 'Note Hook' && event !== 'Issue Hook') {
    return { type: 'ignore', reason: `event "${event}" is not handled` };
  }
  if (event === 'Note Hook') {
    const p = parsePayload(NoteEvent, payload, event);
    const a = p.object_attributes;
    if (a.action && a.action !== 'create')
      return { type: 'ignore', reason: `note ${a.action}: only new notes trigger` };
    if (a.system) return { type: 'ignore', reason: 'system notes do not trigger' };
    const target =
      a.noteable_type === 'Issue'
        ? p.issue
        : a.noteable_type === 'MergeRequest'
          ? p.merge_request
          : undefined;
    if (!target) return { type: 'ignore', reason: `notes on ${a.noteable_type} do not trigger` };
    const body = a.note ?? '';
    if (isDroverComment(body)) return { type: 'ignore', reason: 'the note is Drover’s own' };
    if (!mentions(body, words.mention))
      return { type: 'ignore', reason: `the note does not mention ${words.mention}` };
    const thread = {
      kind: a.noteable_type === 'Issue' ? ('issue' as const) : ('pr' as const),
      number: target.iid,
    };
    return trigger({
      ...base(p, deliveryId, event),
      thread: { ...thread, title: target.title, body: target.description ?? '', url: target.url ?? '' },
      actor: user(p.user),
      via: 'comment',
      comment: { id: String(a.id), body, ...(a.url ? { url: a.url } : {}) },
      reactTo: { type: 'comment', thread, commentId: String(a.id) },
    });
  }
  const p = parsePayload(IssueEvent, payload, event);
  const a = p.object_attributes;
  const thread = { kind: 'issue' as const, number: a.iid };
  const had = (p.changes?.labels?.previous ?? []).some((l) => sameLabel(l.title, words.label));
  const has = (p.changes?.labels?.current ?? []).some((l) => sameLabel(l.title, words.label));
  const labeled = has && !had && a.action !== 'close';
  const opened = a.action === 'open' && mentions(a.description ?? '', words.mention);
  if (!labeled && !opened) {
    return {
      type: 'ignore',
      reason:
        a.action === 'open'
          ? `the new issue does not mention ${words.mention}`
          : `issue ${a.action ?? 'change'} does not add the label "${words.label}"`,
    };
  }
  return trigger({
    ...base(p, deliveryId, event),
    thread: { ...thread, title: a.title, body: a.description ?? '', url: a.url ?? '' },
    actor: user(p.user),
    via: labeled ? 'label' : 'opened',
    reactTo: { type: 'thread', thread },
  });
}

function base(p: { project: z.infer<typeof Project> }, deliveryId: string, event: string) {
  return {
    forge: 'gitlab' as const,
    deliveryId,
    event,
    repo: { forge: 'gitlab' as const, path: p.project.path_with_namespace, projectId: p.project.id },
    cloneUrl: p.project.git_http_url,
  };
}

function trigger(t: Trigger): ParsedWebhook {
  return { type: 'trigger', trigger: t };
}

function sameLabel(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function user(u: z.infer<typeof User>): ForgeUser {
  return { login: u.username, id: u.id, bot: GITLAB_BOT.test(u.username) };
}
