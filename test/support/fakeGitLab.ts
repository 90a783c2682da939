import { type FakeForge, type ForgeRequest, startFakeForge } from './fakeForge.js';

// A GitLab REST v4 stand-in for the merge request routes Drover uses, with GitLab's payload shapes:
//   GET  /api/v4/projects/{url-encoded path}/merge_requests?source_branch=&state=opened
//   POST /api/v4/projects/{id}/merge_requests        (409 when an open MR for the branch exists)
//   PUT  /api/v4/projects/{id}/merge_requests/{iid}
// Auth: `PRIVATE-TOKEN: <t>` or `Authorization: Bearer <t>`, else 401.

export interface FakeMergeRequest {
  iid: number;
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  state: 'opened' | 'closed' | 'merged';
}

export interface FakeGitLab extends FakeForge {
  mergeRequests: FakeMergeRequest[];
}

export async function startFakeGitLab(opts: { token: string; project: string }): Promise<FakeGitLab> {
  const mergeRequests: FakeMergeRequest[] = [];
  const base = `/api/v4/projects/${encodeURIComponent(opts.project)}/merge_requests`;
  const payload = (mr: FakeMergeRequest) => ({
    id: 5000 + mr.iid,
    iid: mr.iid,
    project_id: 42,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    draft: /^(draft:|\[draft\]|\(draft\))/i.test(mr.title),
    work_in_progress: /^(draft:|\[draft\]|\(draft\))/i.test(mr.title),
    source_branch: mr.source_branch,
    target_branch: mr.target_branch,
    web_url: `https://gitlab.test/${opts.project}/-/merge_requests/${mr.iid}`,
  });
  const handle = (req: ForgeRequest) => {
    const auth =
      req.headers['private-token'] ?? String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (auth !== opts.token) return { status: 401, body: { message: '401 Unauthorized' } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.path === base && req.method === 'GET') {
      return {
        status: 200,
        body: mergeRequests
          .filter(
            (mr) =>
              (!req.query.source_branch || mr.source_branch === req.query.source_branch) &&
              (!req.query.state || req.query.state === 'all' || mr.state === req.query.state),
          )
          .map(payload),
      };
    }
    if (req.path === base && req.method === 'POST') {
      for (const field of ['source_branch', 'target_branch', 'title'] as const) {
        if (typeof body[field] !== 'string' || !body[field])
          return { status: 400, body: { error: `${field} is missing` } };
      }
      if (mergeRequests.some((mr) => mr.state === 'opened' && mr.source_branch === body.source_branch)) {
        return {
          status: 409,
          body: { message: [`Another open merge request already exists for this source branch: !1`] },
        };
      }
      const mr: FakeMergeRequest = {
        iid: mergeRequests.length + 1,
        title: String(body.title),
        description: typeof body.description === 'string' ? body.description : '',
        source_branch: String(body.source_branch),
        target_branch: String(body.target_branch),
        state: 'opened',
      };
      mergeRequests.push(mr);
      return { status: 201, body: payload(mr) };
    }
    const m = /\/merge_requests\/(\d+)$/.exec(req.path);
    if (m && req.path === `${base}/${m[1]}` && req.method === 'PUT') {
      const mr = mergeRequests.find((x) => x.iid === Number(m[1]));
      if (!mr) return { status: 404, body: { message: '404 Not found' } };
      if (typeof body.title === 'string') mr.title = body.title;
      if (typeof body.description === 'string') mr.description = body.description;
      if (typeof body.target_branch === 'string') mr.target_branch = body.target_branch;
      return { status: 200, body: payload(mr) };
    }
    return undefined;
  };
  const forge = await startFakeForge(handle);
  return Object.assign(forge, { mergeRequests });
}
