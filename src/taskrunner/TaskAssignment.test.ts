import { describe, expect, it } from 'vitest';
import { parseAssignment } from './TaskAssignment.js';

describe('task assignment', () => {
  it('apiURL: an http(s) URL that must have no query or fragment either, the field named', () => {
    const problems = (apiURL: string) => {
      const parsed = parseAssignment({ taskID: 'task-1', apiURL });
      return parsed.ok ? [] : parsed.problems;
    };
    expect(problems('http://plane.test:8080')).toEqual([]);
    expect(problems('http://plane.test/?a=1')).toEqual(['apiURL: must not have a query or fragment']);
    expect(problems('http://u:p@plane.test')).toEqual([
      'apiURL: must not carry credentials (user:password@)',
    ]);
  });
});
