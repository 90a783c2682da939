import { describe, expect, it } from 'vitest';
import { JobSource } from './JobSource.js';
import { parseStoredSource } from './parseStoredSource.js';

// Values each field may hold in a stored row: valid ones and the ways a row can be off (wrong type,
// too long, out of range, null). Seeded so a failure reproduces.
const CANDIDATES: Record<string, unknown[]> = {
  intake: ['cli', 'api', 'redis', 'forge', 'plan', 'task-runner', 'email', '', 3, null],
  forge: ['github', 'gitlab', 'bitbucket', null],
  repo: ['o/r', 'x'.repeat(500), 'x'.repeat(501), 5],
  kind: ['issue', 'pr', 'mr'],
  number: [0, 7, -1, 1.5, 2 ** 60, '7'],
  commentId: [12, 1.5, -3, 'c-1', 'c'.repeat(200), 'c'.repeat(201), true, {}],
  deliveryId: ['d', 'd'.repeat(201)],
  author: ['alice', 'a'.repeat(200), 'a'.repeat(201), []],
  url: ['https://x/y', 'u'.repeat(2048), 'u'.repeat(2049)],
  installationId: [1, 42, 0, -5, 3.2],
  plan: ['p', 'p'.repeat(201)],
  task: ['t', 't'.repeat(201)],
  role: ['executor', 'reviewer', 'planner', 'boss'],
  taskId: ['task-1', 'k'.repeat(201)],
  unknownField: ['kept out', 3],
};

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('parseStoredSource', () => {
  it('agrees with the JobSource schema on every generated row', () => {
    const next = random(17);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const row: Record<string, unknown> = {};
      for (const [key, values] of Object.entries(CANDIDATES)) {
        // Mostly valid values, so rows that pass are common too.
        if (next() < 0.5) continue;
        const pick = next() < 0.7 ? 0 : Math.floor(next() * values.length);
        row[key] = values[pick];
      }
      const expected = JobSource.safeParse(row);
      const got = parseStoredSource(JSON.stringify(row));
      expect(got, JSON.stringify(row)).toEqual(expected.success ? expected.data : null);
      if (got) accepted++;
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('treats what is not a stored object as unknown', () => {
    for (const raw of [null, undefined, '', '{', '[]', '"cli"', 'null', '{}', '{"intake":"cli","repo":null}'])
      expect(parseStoredSource(raw)).toBeNull();
    expect(parseStoredSource('{"intake":"forge","number":3,"extra":1}')).toEqual({
      intake: 'forge',
      number: 3,
    });
  });
});
