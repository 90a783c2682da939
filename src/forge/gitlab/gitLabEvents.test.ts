import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { parseGitLabEvent } from './gitLabEvents.js';

const words = { mention: '@drover', label: 'drover' };
const project = {
  id: 42,
  path_with_namespace: 'group/sub/proj',
  git_http_url: 'https://gitlab.example/group/sub/proj.git',
  web_url: 'x',
};
const note = (body: string, extra: Record<string, unknown> = {}) => ({
  object_kind: 'note',
  user: { id: 9, username: 'alice', name: 'Alice' },
  project,
  object_attributes: {
    id: 300,
    note: body,
    noteable_type: 'Issue',
    url: 'https://gitlab.example/n/300',
    ...extra,
  },
  issue: { iid: 4, title: 'Fix', description: null, url: 'https://gitlab.example/i/4' },
});

describe('parseGitLabEvent', () => {
  it('turns a new note with the mention into a trigger (project id and path, user id)', () => {
    const parsed = parseGitLabEvent('Note Hook', 'k', note('@drover fix'), words);
    expect(parsed).toMatchObject({
      type: 'trigger',
      trigger: {
        forge: 'gitlab',
        repo: { forge: 'gitlab', path: 'group/sub/proj', projectId: 42 },
        cloneUrl: project.git_http_url,
        thread: { kind: 'issue', number: 4, body: '' },
        actor: { login: 'alice', id: 9, bot: false },
        comment: { id: '300', body: '@drover fix' },
        reactTo: { type: 'comment', thread: { kind: 'issue', number: 4 }, commentId: '300' },
      },
    });
  });

  it('MR notes, and what never triggers: edits, system notes, other noteables, bots, confidential items', () => {
    const mr = {
      ...note('@drover go', { noteable_type: 'MergeRequest' }),
      issue: undefined,
      merge_request: { iid: 2, title: 'MR', description: 'd' },
    };
    const parsed = parseGitLabEvent('Note Hook', 'k', mr, words);
    expect(parsed.type === 'trigger' && parsed.trigger.thread).toMatchObject({ kind: 'pr', number: 2 });
    expect(parseGitLabEvent('Note Hook', 'k', note('@drover fix', { action: 'update' }), words).type).toBe(
      'ignore',
    );
    expect(parseGitLabEvent('Note Hook', 'k', note('@drover fix', { system: true }), words).type).toBe(
      'ignore',
    );
    expect(
      parseGitLabEvent('Note Hook', 'k', note('@drover fix', { noteable_type: 'Commit' }), words),
    ).toEqual({
      type: 'ignore',
      reason: 'notes on Commit do not trigger',
    });
    const bot = parseGitLabEvent(
      'Note Hook',
      'k',
      { ...note('@drover fix'), user: { id: 3, username: 'project_42_bot_1a2b' } },
      words,
    );
    expect(bot.type === 'trigger' && bot.trigger.actor.bot).toBe(true);
    expect(parseGitLabEvent('Confidential Note Hook', 'k', note('@drover'), words).type).toBe('ignore');
    expect(parseGitLabEvent('Pipeline Hook', 'k', {}, words)).toEqual({
      type: 'ignore',
      reason: 'event "Pipeline Hook" is not handled',
    });
  });

  it('Issue Hook: the label newly added, or opened with the mention', () => {
    const hook = (action: string, previous: string[], current: string[], description = 'text') => ({
      object_kind: 'issue',
      user: { id: 9, username: 'alice' },
      project,
      object_attributes: { iid: 5, title: 'T', description, action },
      changes: {
        labels: {
          previous: previous.map((title) => ({ title })),
          current: current.map((title) => ({ title })),
        },
      },
    });
    expect(parseGitLabEvent('Issue Hook', 'k', hook('update', [], ['Drover']), words)).toMatchObject({
      type: 'trigger',
      trigger: { via: 'label' },
    });
    expect(parseGitLabEvent('Issue Hook', 'k', hook('update', ['drover'], ['drover']), words).type).toBe(
      'ignore',
    );
    expect(parseGitLabEvent('Issue Hook', 'k', hook('open', [], [], '@drover please'), words)).toMatchObject({
      type: 'trigger',
      trigger: { via: 'opened' },
    });
    expect(parseGitLabEvent('Issue Hook', 'k', hook('close', [], ['drover']), words).type).toBe('ignore');
  });

  it('names the missing fields', () => {
    const { project: _p, ...rest } = note('@drover');
    expect(() => parseGitLabEvent('Note Hook', 'k', rest, words)).toThrow(InvalidInputError);
    try {
      parseGitLabEvent('Note Hook', 'k', { ...note('@drover'), object_attributes: { note: 'x' } }, words);
    } catch (err) {
      expect((err as InvalidInputError).issues.map((i) => i.path)).toEqual(
        expect.arrayContaining(['body.object_attributes.id', 'body.object_attributes.noteable_type']),
      );
    }
  });
});
