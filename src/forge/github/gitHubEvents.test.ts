import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { parseGitHubEvent } from './gitHubEvents.js';

const words = { mention: '@drover', label: 'drover' };
const repository = {
  full_name: 'acme/app',
  clone_url: 'https://github.com/acme/app.git',
  private: false,
  extra: { a: 1 },
};
const user = (login: string, type = 'User') => ({ login, id: 7, type, site_admin: false });
const issue = {
  number: 12,
  title: 'Fix it',
  body: 'The body',
  html_url: 'https://github.com/acme/app/issues/12',
};
const comment = (body: string, login = 'alice', type = 'User') => ({
  id: 99,
  body,
  html_url: 'https://x/c/99',
  user: user(login, type),
});
const base = { repository, sender: user('alice'), installation: { id: 5 } };

describe('parseGitHubEvent', () => {
  it('turns a new issue comment with the mention into a trigger on the issue', () => {
    const parsed = parseGitHubEvent(
      'issue_comment',
      'd-1',
      { ...base, action: 'created', issue, comment: comment('@drover fix') },
      words,
    );
    expect(parsed).toEqual({
      type: 'trigger',
      trigger: {
        forge: 'github',
        deliveryId: 'd-1',
        event: 'issue_comment',
        repo: { forge: 'github', path: 'acme/app', installationId: 5 },
        cloneUrl: 'https://github.com/acme/app.git',
        thread: { kind: 'issue', number: 12, title: 'Fix it', body: 'The body', url: issue.html_url },
        actor: { login: 'alice', id: 7, bot: false },
        via: 'comment',
        comment: { id: '99', body: '@drover fix', url: 'https://x/c/99' },
        reactTo: { type: 'comment', thread: { kind: 'issue', number: 12 }, commentId: '99' },
      },
    });
  });

  it('knows a PR conversation comment by issue.pull_request, and bots by type or [bot]', () => {
    const onPr = { ...issue, pull_request: { url: 'u' } };
    const parsed = parseGitHubEvent(
      'issue_comment',
      'd',
      { ...base, action: 'created', issue: onPr, comment: comment('@drover go', 'ci[bot]', 'Bot') },
      words,
    );
    expect(parsed.type === 'trigger' && parsed.trigger.thread.kind).toBe('pr');
    expect(parsed.type === 'trigger' && parsed.trigger.actor.bot).toBe(true);
  });

  it('ignores edits, deletions, comments without the mention and Drover’s own', () => {
    const ev = (action: string, body: string) =>
      parseGitHubEvent('issue_comment', 'd', { ...base, action, issue, comment: comment(body) }, words);
    expect(ev('edited', '@drover fix')).toEqual({
      type: 'ignore',
      reason: 'comment edited: only new ones trigger',
    });
    expect(ev('deleted', '@drover fix')).toEqual({
      type: 'ignore',
      reason: 'comment deleted: only new ones trigger',
    });
    expect(ev('created', 'thanks!')).toEqual({
      type: 'ignore',
      reason: 'the comment does not mention @drover',
    });
    expect(ev('created', '👀 On it @drover <!-- drover:task x -->').type).toBe('ignore');
  });

  it('issues: the label added, or opened with the mention', () => {
    const labeled = parseGitHubEvent(
      'issues',
      'd',
      { ...base, action: 'labeled', issue, label: { name: 'Drover' } },
      words,
    );
    expect(labeled.type === 'trigger' && labeled.trigger.via).toBe('label');
    expect(labeled.type === 'trigger' && labeled.trigger.reactTo).toEqual({
      type: 'thread',
      thread: { kind: 'issue', number: 12 },
    });
    const other = parseGitHubEvent(
      'issues',
      'd',
      { ...base, action: 'labeled', issue, label: { name: 'bug' } },
      words,
    );
    expect(other).toEqual({ type: 'ignore', reason: 'label "bug" is not "drover"' });
    const opened = parseGitHubEvent(
      'issues',
      'd',
      { ...base, action: 'opened', issue: { ...issue, body: 'Hey @drover, fix it' } },
      words,
    );
    expect(opened.type === 'trigger' && opened.trigger.via).toBe('opened');
    expect(parseGitHubEvent('issues', 'd', { ...base, action: 'opened', issue }, words).type).toBe('ignore');
  });

  it('reviews and review comments on a PR', () => {
    const pull_request = {
      number: 3,
      title: 'PR',
      body: null,
      html_url: 'https://github.com/acme/app/pull/3',
    };
    const review = parseGitHubEvent(
      'pull_request_review',
      'd',
      {
        ...base,
        action: 'submitted',
        review: { id: 5, body: '@drover address the review', user: user('bob') },
        pull_request,
      },
      words,
    );
    expect(review.type === 'trigger' && review.trigger).toMatchObject({
      via: 'review',
      thread: { kind: 'pr', number: 3, body: '' },
      actor: { login: 'bob' },
    });
    const rc = parseGitHubEvent(
      'pull_request_review_comment',
      'd',
      { ...base, action: 'created', comment: comment('@drover rename'), pull_request },
      words,
    );
    expect(rc.type === 'trigger' && rc.trigger.reactTo).toEqual({
      type: 'review_comment',
      thread: { kind: 'pr', number: 3 },
      commentId: '99',
    });
    const dismissed = parseGitHubEvent(
      'pull_request_review',
      'd',
      { ...base, action: 'dismissed', review: { id: 5, body: '@drover x', user: user('bob') }, pull_request },
      words,
    );
    expect(dismissed.type).toBe('ignore');
  });

  it('answers ping, ignores other events, and names missing fields', () => {
    expect(parseGitHubEvent('ping', 'd', {}, words)).toEqual({ type: 'ping' });
    expect(parseGitHubEvent('push', 'd', {}, words)).toEqual({
      type: 'ignore',
      reason: 'event "push" is not handled',
    });
    let err: unknown;
    try {
      parseGitHubEvent(
        'issue_comment',
        'd',
        { ...base, action: 'created', issue: { ...issue, number: 'x' }, comment: {} },
        words,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['body.issue.number', 'body.comment.id', 'body.comment.user']),
    );
    expect(() => parseGitHubEvent('issue_comment', 'd', null, words)).toThrow(InvalidInputError);
    expect(() =>
      parseGitHubEvent(
        'issue_comment',
        'd',
        {
          ...base,
          repository: { ...repository, full_name: '../etc' },
          action: 'created',
          issue,
          comment: comment('@drover'),
        },
        words,
      ),
    ).toThrow(/body\.repository\.full_name: must be owner\/name/);
  });
});
