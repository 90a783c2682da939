import { type FakeForge, type ForgeRequest, startFakeForge } from './fakeForge.js';

// A GitHub REST v3 stand-in for the pull request routes Drover uses, with GitHub's payload shapes:
//   GET   /repos/{owner}/{repo}/pulls?head={owner}:{branch}&state=open
//   POST  /repos/{owner}/{repo}/pulls            (422 when an open PR for the head exists)
//   PATCH /repos/{owner}/{repo}/pulls/{number}
// Auth: `Authorization: token <t>` or `Bearer <t>`, else 401 "Bad credentials".

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export interface FakeGitHub extends FakeForge {
  pulls: FakePull[];
}

export async function startFakeGitHub(opts: {
  token: string;
  owner: string;
  repo: string;
}): Promise<FakeGitHub> {
  const pulls: FakePull[] = [];
  const base = `/repos/${opts.owner}/${opts.repo}/pulls`;
  let forgeUrl = '';
  const payload = (p: FakePull) => ({
    id: 1000 + p.number,
    number: p.number,
    url: `${forgeUrl}${base}/${p.number}`,
    html_url: `https://github.test/${opts.owner}/${opts.repo}/pull/${p.number}`,
    state: p.state,
    draft: p.draft,
    title: p.title,
    body: p.body,
    head: { ref: p.head, label: `${opts.owner}:${p.head}` },
    base: { ref: p.base, label: `${opts.owner}:${p.base}` },
  });
  const handle = (req: ForgeRequest) => {
    const auth = String(req.headers.authorization ?? '');
    if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`) {
      return {
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      };
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.path === base && req.method === 'GET') {
      const head = req.query.head;
      const state = req.query.state ?? 'open';
      return {
        status: 200,
        body: pulls
          .filter(
            (p) => (!head || `${opts.owner}:${p.head}` === head) && (state === 'all' || p.state === state),
          )
          .map(payload),
      };
    }
    if (req.path === base && req.method === 'POST') {
      for (const field of ['title', 'head', 'base'] as const) {
        if (typeof body[field] !== 'string' || !body[field]) {
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'PullRequest', field, code: 'missing_field' }],
            },
          };
        }
      }
      if (pulls.some((p) => p.state === 'open' && p.head === body.head)) {
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'PullRequest',
                code: 'custom',
                message: `A pull request already exists for ${opts.owner}:${String(body.head)}.`,
              },
            ],
          },
        };
      }
      const pull: FakePull = {
        number: pulls.length + 1,
        title: String(body.title),
        body: typeof body.body === 'string' ? body.body : '',
        head: String(body.head),
        base: String(body.base),
        draft: body.draft === true,
        state: 'open',
      };
      pulls.push(pull);
      return { status: 201, body: payload(pull) };
    }
    const m = new RegExp(`^${base}/(\\d+)$`).exec(req.path);
    if (m && req.method === 'PATCH') {
      const pull = pulls.find((p) => p.number === Number(m[1]));
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      if (typeof body.title === 'string') pull.title = body.title;
      if (typeof body.body === 'string') pull.body = body.body;
      if (typeof body.base === 'string') pull.base = body.base;
      if (body.state === 'closed' || body.state === 'open') pull.state = body.state;
      return { status: 200, body: payload(pull) };
    }
    return undefined;
  };
  const forge = await startFakeForge(handle);
  forgeUrl = forge.url;
  return Object.assign(forge, { pulls });
}
