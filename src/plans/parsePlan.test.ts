import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { parsePlan, parsePlanText } from './parsePlan.js';
import { findCycle } from './planGraph.js';

const YAML = `
name: date-fixes
repo: https://github.com/acme/app.git
baseRef: main
defaults: { agent: claude, verify: ["npm test"] }
settings: { maxExecutors: 3, maxReviewers: 2, readyBuffer: 2, reviewCycles: 5, retryCooldown: 15m, watchdog: 15m }
tasks:
  - { id: parse-iso, title: Parse ISO dates, prompt: "Parse them.", priority: P0, dependsOn: [] }
  - { id: leap-years, title: Leap years, prompt: "Handle Feb 29.", dependsOn: [parse-iso], acceptance: ["2024-02-29 parses"], agent: codex }
`;

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.issues;
    throw err;
  }
  throw new Error('expected an InvalidInputError');
}

describe('plan files', () => {
  it('parses the YAML example with defaults filled in and per-task job fields', () => {
    const plan = parsePlan(parsePlanText(YAML, 'plan.yml'));
    expect(plan.name).toBe('date-fixes');
    expect(plan.settings).toEqual({
      maxExecutors: 3,
      maxReviewers: 2,
      readyBuffer: 2,
      reviewCycles: 5,
      retryCooldown: '15m',
      watchdog: '15m',
      autoPromote: true,
      maxRetries: 3,
    });
    expect(plan.tasks[0]).toMatchObject({ id: 'parse-iso', priority: 'P0', dependsOn: [], acceptance: [] });
    expect(plan.tasks[1]).toMatchObject({
      priority: 'P1',
      agent: 'codex',
      acceptance: ['2024-02-29 parses'],
    });
    // JSON works the same, and settings default entirely.
    const json = parsePlan(
      parsePlanText(
        JSON.stringify({ name: 'x', repo: '/srv/r.git', tasks: [{ id: 'a', title: 'A', prompt: 'p' }] }),
      ),
    );
    expect(json.settings.maxExecutors).toBe(3);
    expect(json.settings.retryCooldown).toBe('15m');
  });

  it('names every bad field, tasks by their id', () => {
    const issues = issuesOf(() =>
      parsePlan({
        name: 'Bad Name',
        repo: 'ext::sh -c boom',
        defaults: { review: true, agent: 'nope' },
        settings: { watchdog: '500ms', retryCooldown: '30d', maxExecutors: 0 },
        tasks: [
          { id: 'ok', title: 'T', prompt: 'p', extra: 1 },
          { id: 'ok', title: '', prompt: 'p', dependsOn: ['x', 'x'], priority: 'P9' },
          { id: 'Not_A_Slug', title: 'T', prompt: 'p' },
        ],
      }),
    );
    const paths = issues.map((i) => `${i.path}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: must be a plan name/),
        expect.stringMatching(/^repo: /),
        'defaults.review: unknown field',
        expect.stringMatching(/^defaults.agent: /),
        'settings.watchdog: must be at least 1s',
        'settings.retryCooldown: must be at most 7d',
        expect.stringMatching(/^settings.maxExecutors: /),
        'tasks.ok.extra: unknown field',
        expect.stringMatching(/^tasks.ok.title: must not be empty/),
        'tasks.ok.dependsOn: lists task "x" twice',
        expect.stringMatching(/^tasks.ok.priority: /),
        expect.stringMatching(/^tasks.2.id: must be a task id/),
      ]),
    );
    const dup = {
      name: 'p',
      repo: '/srv/r.git',
      tasks: [
        { id: 'a', title: 'A', prompt: 'p' },
        { id: 'a', title: 'B', prompt: 'q' },
      ],
    };
    expect(issuesOf(() => parsePlan(dup))).toEqual([{ path: 'tasks.a.id', message: '"a" is used twice' }]);
  });

  it('refuses dangling dependencies and cycles, naming the tasks', () => {
    const base = { name: 'p', repo: '/srv/r.git' };
    const t = (id: string, dependsOn: string[] = []) => ({ id, title: id, prompt: id, dependsOn });
    expect(issuesOf(() => parsePlan({ ...base, tasks: [t('a', ['ghost']), t('b', ['a'])] }))).toEqual([
      { path: 'tasks.a.dependsOn', message: 'unknown task "ghost"' },
    ]);
    expect(
      issuesOf(() => parsePlan({ ...base, tasks: [t('a', ['c']), t('b', ['a']), t('c', ['b']), t('d')] })),
    ).toEqual([{ path: 'tasks', message: 'dependency cycle (→ means "depends on"): a → c → b → a' }]);
    expect(issuesOf(() => parsePlan({ ...base, tasks: [t('self', ['self'])] }))[0]?.message).toContain(
      'self → self',
    );
    expect(findCycle([t('a', ['b']), t('b')])).toBeUndefined();
    // A long chain is no problem for the (iterative) search.
    const chain = Array.from({ length: 200 }, (_, i) => t(`t${i}`, i > 0 ? [`t${i - 1}`] : []));
    expect(findCycle(chain)).toBeUndefined();
  });

  it('refuses oversized, malformed and non-object files', () => {
    expect(issuesOf(() => parsePlanText('x'.repeat(1024 * 1024 + 1), 'big.yml'))[0]?.message).toContain(
      'larger than',
    );
    expect(issuesOf(() => parsePlanText('{"name":', 'p.json'))[0]?.message).toContain('is not valid JSON');
    expect(issuesOf(() => parsePlanText('a: [1, 2', 'p.yml'))[0]?.message).toContain('is not valid YAML');
    expect(issuesOf(() => parsePlan(parsePlanText('- 1\n- 2', 'p.yml')))[0]?.path).toBe('(root)');
    const tooMany = Array.from({ length: 201 }, (_, i) => ({ id: `t${i}`, title: 't', prompt: 'p' }));
    expect(issuesOf(() => parsePlan({ name: 'p', repo: '/r', tasks: tooMany }))[0]?.path).toBe('tasks');
  });
});
