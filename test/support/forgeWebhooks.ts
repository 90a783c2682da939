import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { FakeComment, FakeGitHub, FakeIssue, FakePull, FakeReviewComment } from './fakeGitHub.js';
import type { FakeGitLab, FakeGitLabIssue, FakeMergeRequest, FakeNote } from './fakeGitLab.js';

// Webhook deliveries as GitHub and GitLab send them: the real headers, the real payload shapes (built
// from the fake forges' objects), GitHub's HMAC signature computed here independently of Drover.

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

export function signGitHub(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function postGitHub(
  serveUrl: string,
  opts: {
    event: string;
    payload: unknown;
    secret: string;
    delivery?: string;
    /** Overrides the signature header (undefined: signed correctly; null: none). */
    signature?: string | null;
    /** Sends these bytes instead of the payload's JSON. */
    raw?: string | Buffer;
    contentType?: string;
  },
): Promise<WebhookResponse & { delivery: string }> {
  const body = opts.raw ?? JSON.stringify(opts.payload);
  const delivery = opts.delivery ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/json',
    'user-agent': 'GitHub-Hookshot/5f1c3a2',
    'x-github-event': opts.event,
    'x-github-delivery': delivery,
    'x-github-hook-id': '4242',
    'x-github-hook-installation-target-type': 'integration',
    'x-github-hook-installation-target-id': '12345',
  };
  const signature = opts.signature === undefined ? signGitHub(opts.secret, body) : opts.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const res = await fetch(`${serveUrl}/webhooks/github`, { method: 'POST', headers, body });
  return { status: res.status, body: await json(res), delivery };
}

export async function postGitLab(
  serveUrl: string,
  opts: {
    event: string;
    payload: unknown;
    token: string | null;
    /** Idempotency-Key (the same across GitLab's retries). */
    idempotencyKey?: string;
    raw?: string | Buffer;
  },
): Promise<WebhookResponse & { key: string }> {
  const key = opts.idempotencyKey ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitLab/17.6.0',
    'x-gitlab-event': opts.event,
    'x-gitlab-event-uuid': randomUUID(),
    'x-gitlab-webhook-uuid': 'a1b2c3d4-0000-4000-8000-000000000001',
    'x-gitlab-instance': 'https://gitlab.test',
    'idempotency-key': key,
  };
  if (opts.token !== null) headers['x-gitlab-token'] = opts.token;
  const res = await fetch(`${serveUrl}/webhooks/gitlab`, {
    method: 'POST',
    headers,
    body: opts.raw ?? JSON.stringify(opts.payload),
  });
  return { status: res.status, body: await json(res), key };
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { text };
  }
}

// ---- GitHub payloads ----

interface GitHubCommon {
  cloneUrl: string;
  installationId?: number;
}

function githubCommon(gh: FakeGitHub, o: GitHubCommon, sender: string) {
  return {
    repository: gh.repositoryPayload(o.cloneUrl),
    sender: gh.userPayload(sender),
    ...(o.installationId
      ? { installation: { id: o.installationId, node_id: `MDIz${o.installationId}` } }
      : {}),
  };
}

/** `issue_comment` on an issue or (with a pull) a PR's conversation. */
export function issueCommentPayload(
  gh: FakeGitHub,
  o: GitHubCommon & {
    on: FakeIssue | FakePull;
    comment: FakeComment;
    action?: 'created' | 'edited' | 'deleted';
  },
) {
  const isPull = 'head' in o.on;
  return {
    action: o.action ?? 'created',
    issue: gh.issuePayload(o.on, isPull),
    comment: gh.commentPayload(o.comment),
    ...githubCommon(gh, o, o.comment.user.login),
  };
}

/** `issues` opened / labeled. */
export function issuesPayload(
  gh: FakeGitHub,
  o: GitHubCommon & {
    issue: FakeIssue;
    action: 'opened' | 'labeled' | 'edited';
    label?: string;
    sender: string;
  },
) {
  return {
    action: o.action,
    issue: gh.issuePayload(o.issue),
    ...(o.label
      ? {
          label: {
            id: 31,
            node_id: 'LA_31',
            url: '',
            name: o.label,
            color: 'ededed',
            default: false,
            description: null,
          },
        }
      : {}),
    ...githubCommon(gh, o, o.sender),
  };
}

/** `pull_request_review` submitted, with the review's body. */
export function reviewPayload(
  gh: FakeGitHub,
  o: GitHubCommon & { pull: FakePull; body: string; user: string; state?: string; action?: string },
) {
  return {
    action: o.action ?? 'submitted',
    review: {
      id: 8800 + o.pull.number,
      node_id: 'PRR_1',
      user: gh.userPayload(o.user),
      body: o.body,
      commit_id: 'a'.repeat(40),
      submitted_at: new Date().toISOString(),
      state: o.state ?? 'commented',
      html_url: `https://github.test/x/pull/${o.pull.number}#pullrequestreview-1`,
      pull_request_url: '',
      author_association: 'MEMBER',
    },
    pull_request: gh.pullPayload(o.pull),
    ...githubCommon(gh, o, o.user),
  };
}

/** `pull_request_review_comment` created. */
export function reviewCommentPayload(
  gh: FakeGitHub,
  o: GitHubCommon & { pull: FakePull; comment: FakeReviewComment; action?: string },
) {
  return {
    action: o.action ?? 'created',
    comment: gh.reviewCommentPayload(o.comment),
    pull_request: gh.pullPayload(o.pull),
    ...githubCommon(gh, o, o.comment.user.login),
  };
}

// ---- GitLab payloads ----

/** A Note Hook for a note on an issue or a merge request. */
export function notePayload(
  gl: FakeGitLab,
  o: { gitHttpUrl: string; note: FakeNote; issue?: FakeGitLabIssue; mr?: FakeMergeRequest; action?: string },
) {
  const project = gl.projectPayload(o.gitHttpUrl);
  const web = String(project.web_url);
  const noteable = o.issue
    ? {
        issue: {
          id: 6000 + o.issue.iid,
          iid: o.issue.iid,
          title: o.issue.title,
          description: o.issue.description,
          state: 'opened',
          project_id: gl.projectId,
          url: `${web}/-/issues/${o.issue.iid}`,
          labels: [],
        },
      }
    : {
        merge_request: {
          id: 5000 + o.mr!.iid,
          iid: o.mr!.iid,
          title: o.mr!.title,
          description: o.mr!.description,
          state: o.mr!.state,
          source_branch: o.mr!.source_branch,
          target_branch: o.mr!.target_branch,
          source_project_id: o.mr!.source_project_id ?? gl.projectId,
          target_project_id: gl.projectId,
          url: `${web}/-/merge_requests/${o.mr!.iid}`,
        },
      };
  return {
    object_kind: 'note',
    event_type: 'note',
    user: gl.userPayload(o.note.author),
    project_id: gl.projectId,
    project,
    repository: { name: project.name, url: project.url, description: '', homepage: web },
    object_attributes: {
      id: o.note.id,
      note: o.note.body,
      noteable_type: o.note.noteable,
      author_id: gl.user(o.note.author).id,
      created_at: '2025-01-01 10:00:00 UTC',
      updated_at: '2025-01-01 10:00:00 UTC',
      project_id: gl.projectId,
      attachment: null,
      line_code: null,
      commit_id: '',
      noteable_id: 6000 + o.note.iid,
      system: o.note.system,
      st_diff: null,
      url: `${web}/-/${o.issue ? 'issues' : 'merge_requests'}/${o.note.iid}#note_${o.note.id}`,
      type: null,
      ...(o.action ? { action: o.action } : { action: 'create' }),
    },
    ...noteable,
  };
}

/** An Issue Hook (open, or update adding labels). */
export function issueHookPayload(
  gl: FakeGitLab,
  o: {
    gitHttpUrl: string;
    issue: FakeGitLabIssue;
    user: string;
    action: 'open' | 'update' | 'close';
    labelsBefore?: string[];
    labelsAfter?: string[];
  },
) {
  const project = gl.projectPayload(o.gitHttpUrl);
  const label = (title: string, i: number) => ({
    id: 200 + i,
    title,
    color: '#428BCA',
    project_id: gl.projectId,
    type: 'ProjectLabel',
  });
  const after = (o.labelsAfter ?? []).map(label);
  return {
    object_kind: 'issue',
    event_type: 'issue',
    user: gl.userPayload(o.user),
    project,
    object_attributes: {
      id: 6000 + o.issue.iid,
      iid: o.issue.iid,
      title: o.issue.title,
      description: o.issue.description,
      state: 'opened',
      action: o.action,
      url: `${String(project.web_url)}/-/issues/${o.issue.iid}`,
      labels: after,
    },
    labels: after,
    ...(o.labelsBefore || o.labelsAfter
      ? { changes: { labels: { previous: (o.labelsBefore ?? []).map(label), current: after } } }
      : { changes: {} }),
  };
}

/**
 * POSTs a body with node:http and returns the status even when the server answers before reading it
 * all (a 413 on the Content-Length) and closes the connection while we still write (EPIPE).
 */
export function postOversized(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (err) => setTimeout(() => reject(err), 2000));
    req.end(body);
  });
}
