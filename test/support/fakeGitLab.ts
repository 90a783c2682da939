import { type FakeForge, type ForgeRequest, startFakeForge } from './fakeForge.js';

// A GitLab REST v4 stand-in for the routes Drover uses, with GitLab's payload shapes. The project is
// addressed by its numeric id or its URL-encoded path:
//   GET  /api/v4/projects/{id}/merge_requests?source_branch=&state=opened
//   POST /api/v4/projects/{id}/merge_requests        (409 when an open MR for the branch exists)
//   GET  /api/v4/projects/{id}/merge_requests/{iid}
//   PUT  /api/v4/projects/{id}/merge_requests/{iid}
//   GET  /api/v4/projects/{id}/merge_requests/{iid}/discussions
//   GET|POST /api/v4/projects/{id}/(issues|merge_requests)/{iid}/notes, PUT .../notes/{note_id}
//   POST /api/v4/projects/{id}/(issues|merge_requests)/{iid}/award_emoji and .../notes/{note_id}/award_emoji
//   GET  /api/v4/projects/{id}/members/all/{user_id}
//   GET  /api/v4/user
// Auth: `PRIVATE-TOKEN: <t>` or `Authorization: Bearer <t>`, else 401.

export interface FakeMergeRequest {
  iid: number;
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  state: 'opened' | 'closed' | 'merged';
  /** A fork's project id (default: the project itself). */
  source_project_id?: number;
}

/** A diff discussion to open on a merge request: its first note's body and author. */
export type DiscussionInput = Omit<FakeDiscussion, 'id' | 'mr' | 'notes' | 'resolved'> & {
  body: string;
  author: string;
  resolved?: boolean;
};

export interface FakeGitLabIssue {
  iid: number;
  title: string;
  description: string;
  author: string;
}

export interface FakeNote {
  id: number;
  noteable: 'Issue' | 'MergeRequest';
  iid: number;
  body: string;
  author: string;
  system: boolean;
  edits: number;
}

export interface FakeDiscussion {
  id: string;
  mr: number;
  notes: { id: number; body: string; author: string }[];
  path: string;
  line: number;
  resolved: boolean;
}

export interface FakeAward {
  on: 'Issue' | 'MergeRequest' | 'Note';
  iid: number;
  noteId?: number;
  name: string;
  user: string;
}

export interface FakeGitLabUser {
  id: number;
  username: string;
}

export interface FakeGitLab extends FakeForge {
  projectId: number;
  mergeRequests: FakeMergeRequest[];
  issues: FakeGitLabIssue[];
  notes: FakeNote[];
  discussions: FakeDiscussion[];
  awards: FakeAward[];
  /** Access levels by user id (30 Developer, 20 Reporter...). */
  members: Record<number, number>;
  outage: ((req: ForgeRequest) => boolean) | undefined;
  user(username: string): FakeGitLabUser;
  addIssue(input: { title: string; description?: string; author: string }): FakeGitLabIssue;
  addNote(noteable: 'Issue' | 'MergeRequest', iid: number, input: { body: string; author: string }): FakeNote;
  addMergeRequest(input: Omit<FakeMergeRequest, 'iid' | 'state'>): FakeMergeRequest;
  addDiscussion(mr: number, input: DiscussionInput): FakeDiscussion;
  /** The project as hooks carry it. */
  projectPayload(gitHttpUrl: string): Record<string, unknown>;
  userPayload(username: string): Record<string, unknown>;
}

export async function startFakeGitLab(opts: {
  token: string;
  project: string;
  projectId?: number;
  /** Who the token belongs to (GET /user and the author of Drover's notes). */
  tokenUser?: string;
}): Promise<FakeGitLab> {
  const projectId = opts.projectId ?? 42;
  const tokenUser = opts.tokenUser ?? 'drover';
  const mergeRequests: FakeMergeRequest[] = [];
  const issues: FakeGitLabIssue[] = [];
  const notes: FakeNote[] = [];
  const discussions: FakeDiscussion[] = [];
  const awards: FakeAward[] = [];
  const members: Record<number, number> = {};
  const users = new Map<string, FakeGitLabUser>();
  let nextNoteId = 3000;
  let nextIid = 1;
  const web = `https://gitlab.test/${opts.project}`;
  const roots = [`/api/v4/projects/${encodeURIComponent(opts.project)}`, `/api/v4/projects/${projectId}`];

  const user = (username: string): FakeGitLabUser => {
    let u = users.get(username);
    if (!u) {
      u = { id: 100 + users.size, username };
      users.set(username, u);
    }
    return u;
  };
  const userPayload = (username: string) => {
    const u = user(username);
    return { id: u.id, name: username, username, avatar_url: null, email: '[REDACTED]' };
  };
  const mrPayload = (mr: FakeMergeRequest) => ({
    id: 5000 + mr.iid,
    iid: mr.iid,
    project_id: projectId,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    draft: /^(draft:|\[draft\]|\(draft\))/i.test(mr.title),
    work_in_progress: /^(draft:|\[draft\]|\(draft\))/i.test(mr.title),
    source_branch: mr.source_branch,
    target_branch: mr.target_branch,
    source_project_id: mr.source_project_id ?? projectId,
    target_project_id: projectId,
    web_url: `${web}/-/merge_requests/${mr.iid}`,
  });
  const notePayload = (n: FakeNote) => ({
    id: n.id,
    type: null,
    body: n.body,
    author: userPayload(n.author),
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    system: n.system,
    noteable_id: 6000 + n.iid,
    noteable_type: n.noteable,
    noteable_iid: n.iid,
    resolvable: false,
    confidential: false,
    internal: false,
  });
  const discussionPayload = (d: FakeDiscussion) => ({
    id: d.id,
    individual_note: false,
    notes: d.notes.map((n) => ({
      id: n.id,
      type: 'DiffNote',
      body: n.body,
      author: userPayload(n.author),
      system: false,
      resolvable: true,
      resolved: d.resolved,
      position: {
        base_sha: 'b'.repeat(40),
        head_sha: 'a'.repeat(40),
        position_type: 'text',
        new_path: d.path,
        old_path: d.path,
        new_line: d.line,
        old_line: null,
      },
    })),
  });
  const addNote = (
    noteable: 'Issue' | 'MergeRequest',
    iid: number,
    input: { body: string; author: string },
  ) => {
    const note: FakeNote = {
      id: nextNoteId++,
      noteable,
      iid,
      body: input.body,
      author: input.author,
      system: false,
      edits: 0,
    };
    notes.push(note);
    return note;
  };
  const page = <T>(list: T[], req: ForgeRequest): T[] => {
    const per = Math.min(100, Number(req.query.per_page ?? 20) || 20);
    const p = Math.max(1, Number(req.query.page ?? 1) || 1);
    return list.slice((p - 1) * per, p * per);
  };

  const handle = (req: ForgeRequest) => {
    if (gitlab.outage?.(req)) return { status: 503, body: { message: '503 Service Unavailable' } };
    const auth =
      req.headers['private-token'] ?? String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (auth !== opts.token) return { status: 401, body: { message: '401 Unauthorized' } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.path === '/api/v4/user' && req.method === 'GET')
      return { status: 200, body: userPayload(tokenUser) };
    const root = roots.find((r) => req.path === r || req.path.startsWith(`${r}/`));
    if (!root) return undefined;
    const path = req.path.slice(root.length);
    const base = '/merge_requests';

    if (path === base && req.method === 'GET') {
      return {
        status: 200,
        body: mergeRequests
          .filter(
            (mr) =>
              (!req.query.source_branch || mr.source_branch === req.query.source_branch) &&
              (!req.query.state || req.query.state === 'all' || mr.state === req.query.state),
          )
          .map(mrPayload),
      };
    }
    if (path === base && req.method === 'POST') {
      for (const field of ['source_branch', 'target_branch', 'title'] as const) {
        if (typeof body[field] !== 'string' || !body[field])
          return { status: 400, body: { error: `${field} is missing` } };
      }
      if (mergeRequests.some((mr) => mr.state === 'opened' && mr.source_branch === body.source_branch)) {
        return {
          status: 409,
          body: { message: ['Another open merge request already exists for this source branch: !1'] },
        };
      }
      const mr: FakeMergeRequest = {
        iid: nextIid++,
        title: String(body.title),
        description: typeof body.description === 'string' ? body.description : '',
        source_branch: String(body.source_branch),
        target_branch: String(body.target_branch),
        state: 'opened',
      };
      mergeRequests.push(mr);
      return { status: 201, body: mrPayload(mr) };
    }
    let m = /^\/merge_requests\/(\d+)$/.exec(path);
    if (m) {
      const mr = mergeRequests.find((x) => x.iid === Number(m![1]));
      if (!mr) return { status: 404, body: { message: '404 Not found' } };
      if (req.method === 'GET') return { status: 200, body: mrPayload(mr) };
      if (req.method === 'PUT') {
        if (typeof body.title === 'string') mr.title = body.title;
        if (typeof body.description === 'string') mr.description = body.description;
        if (typeof body.target_branch === 'string') mr.target_branch = body.target_branch;
        return { status: 200, body: mrPayload(mr) };
      }
    }
    m = /^\/merge_requests\/(\d+)\/discussions$/.exec(path);
    if (m && req.method === 'GET') {
      return {
        status: 200,
        body: page(
          discussions.filter((d) => d.mr === Number(m![1])),
          req,
        ).map(discussionPayload),
      };
    }
    m = /^\/(issues|merge_requests)\/(\d+)\/(notes|award_emoji)(?:\/(\d+)(?:\/(award_emoji))?)?$/.exec(path);
    if (m) {
      const noteable = m[1] === 'issues' ? 'Issue' : 'MergeRequest';
      const iid = Number(m[2]);
      const exists =
        noteable === 'Issue' ? issues.some((i) => i.iid === iid) : mergeRequests.some((x) => x.iid === iid);
      if (!exists)
        return {
          status: 404,
          body: { message: `404 ${noteable === 'Issue' ? 'Issue' : 'Merge Request'} Not Found` },
        };
      const noteId = m[4] ? Number(m[4]) : undefined;
      const note =
        noteId !== undefined
          ? notes.find((n) => n.id === noteId && n.iid === iid && n.noteable === noteable)
          : undefined;
      if (noteId !== undefined && !note) return { status: 404, body: { message: '404 Note Not Found' } };
      const awarding = m[3] === 'award_emoji' || m[5] === 'award_emoji';
      if (awarding && req.method === 'POST') {
        const name = String(body.name ?? '');
        if (!name) return { status: 400, body: { error: 'name is missing' } };
        const on = note ? 'Note' : noteable;
        if (
          awards.some(
            (a) =>
              a.on === on && a.iid === iid && a.noteId === noteId && a.name === name && a.user === tokenUser,
          )
        ) {
          return { status: 404, body: { message: '404 Award Emoji Name has already been taken' } };
        }
        awards.push({ on, iid, ...(noteId !== undefined ? { noteId } : {}), name, user: tokenUser });
        return {
          status: 201,
          body: { id: nextNoteId++, name, user: userPayload(tokenUser), awardable_type: on },
        };
      }
      if (!awarding && noteId === undefined && req.method === 'GET') {
        const list = notes.filter((n) => n.noteable === noteable && n.iid === iid);
        if (req.query.sort === 'desc') list.reverse();
        return { status: 200, body: page(list, req).map(notePayload) };
      }
      if (!awarding && noteId === undefined && req.method === 'POST') {
        if (typeof body.body !== 'string' || !body.body)
          return { status: 400, body: { error: 'body is missing' } };
        return {
          status: 201,
          body: notePayload(addNote(noteable, iid, { body: body.body, author: tokenUser })),
        };
      }
      if (!awarding && note && req.method === 'PUT') {
        if (note.author !== tokenUser) return { status: 403, body: { message: '403 Forbidden' } };
        if (typeof body.body !== 'string') return { status: 400, body: { error: 'body is missing' } };
        note.body = body.body;
        note.edits++;
        return { status: 200, body: notePayload(note) };
      }
    }
    m = /^\/members\/all\/(\d+)$/.exec(path);
    if (m && req.method === 'GET') {
      const id = Number(m[1]);
      const level = members[id];
      if (level === undefined) return { status: 404, body: { message: '404 Not found' } };
      const u = [...users.values()].find((x) => x.id === id);
      return {
        status: 200,
        body: { id, username: u?.username ?? `user${id}`, access_level: level, state: 'active' },
      };
    }
    return undefined;
  };
  const forge = await startFakeForge(handle);
  const gitlab: FakeGitLab = Object.assign(forge, {
    projectId,
    mergeRequests,
    issues,
    notes,
    discussions,
    awards,
    members,
    outage: undefined,
    user,
    addIssue(input: { title: string; description?: string; author: string }) {
      const issue: FakeGitLabIssue = {
        iid: issues.length + 1,
        title: input.title,
        description: input.description ?? '',
        author: input.author,
      };
      issues.push(issue);
      return issue;
    },
    addNote,
    addMergeRequest(input: Omit<FakeMergeRequest, 'iid' | 'state'>) {
      const mr: FakeMergeRequest = { ...input, iid: nextIid++, state: 'opened' };
      mergeRequests.push(mr);
      return mr;
    },
    addDiscussion(mr: number, input: DiscussionInput) {
      const d: FakeDiscussion = {
        id: `d${nextNoteId}`,
        mr,
        path: input.path,
        line: input.line,
        resolved: input.resolved ?? false,
        notes: [{ id: nextNoteId++, body: input.body, author: input.author }],
      };
      discussions.push(d);
      return d;
    },
    projectPayload: (gitHttpUrl: string) => ({
      id: projectId,
      name: opts.project.split('/').at(-1),
      description: '',
      web_url: web,
      avatar_url: null,
      git_ssh_url: `git@gitlab.test:${opts.project}.git`,
      git_http_url: gitHttpUrl,
      namespace: opts.project.split('/').slice(0, -1).join('/'),
      visibility_level: 20,
      path_with_namespace: opts.project,
      default_branch: 'main',
      homepage: web,
      url: `git@gitlab.test:${opts.project}.git`,
      ssh_url: `git@gitlab.test:${opts.project}.git`,
      http_url: gitHttpUrl,
    }),
    userPayload,
  });
  return gitlab;
}
