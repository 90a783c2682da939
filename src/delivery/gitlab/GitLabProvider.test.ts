import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitLab, startFakeGitLab } from '../../../test/support/fakeGitLab.js';
import { DeliveryError } from '../../errors.js';
import { upsertPullRequest } from '../types.js';
import { GitLabProvider, gitlabApiRoot } from './GitLabProvider.js';

const TOKEN = 'glpat-unit-0123456789';
let gitlab: FakeGitLab;
beforeAll(async () => {
  gitlab = await startFakeGitLab({ token: TOKEN, project: 'group/proj' });
});
afterAll(async () => {
  await gitlab.close();
});

describe('GitLabProvider', () => {
  it('marks drafts with the "Draft: " title prefix and clears it when the MR is updated as ready', async () => {
    const provider = new GitLabProvider({
      apiUrl: gitlabApiRoot(gitlab.url),
      token: TOKEN,
      project: 'group/proj',
    });
    const input = { head: 'feat/x', base: 'main', title: 'Add x', body: 'why', draft: true };
    const created = await upsertPullRequest(provider, input);
    expect(created).toMatchObject({ number: 1, draft: true, created: true });
    expect(gitlab.mergeRequests[0]?.title).toBe('Draft: Add x');
    const updated = await upsertPullRequest(provider, { ...input, title: 'Draft: Add x', draft: false });
    expect(updated).toMatchObject({ number: 1, draft: false, created: false });
    expect(gitlab.mergeRequests[0]?.title).toBe('Add x');
  });

  it('reports API errors as DeliveryErrors naming the step and the status', async () => {
    const provider = new GitLabProvider({
      apiUrl: gitlabApiRoot(gitlab.url),
      token: 'wrong',
      project: 'group/proj',
    });
    const err = await provider.findOpen('feat/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as Error).message).toBe(
      'GitLab: looking up the open merge request in group/proj failed (HTTP 401: 401 Unauthorized).',
    );
  });

  it('accepts the instance URL with or without /api/v4', () => {
    expect(gitlabApiRoot('https://gitlab.example/')).toBe('https://gitlab.example/api/v4');
    expect(gitlabApiRoot('https://gitlab.example/api/v4')).toBe('https://gitlab.example/api/v4');
  });
});
