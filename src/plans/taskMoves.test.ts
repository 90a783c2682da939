import { describe, expect, it } from 'vitest';
import { InvalidMoveError } from '../errors.js';
import { assertMove, canMove } from './taskMoves.js';

describe('task moves', () => {
  it('allows exactly the moves of the board, by the right actor', () => {
    expect(canMove('backlog', 'ready', 'orchestrator')).toBe(true);
    expect(canMove('ready', 'in_progress', 'orchestrator')).toBe(true);
    expect(canMove('in_progress', 'in_review', 'orchestrator')).toBe(true);
    expect(canMove('in_review', 'needs_human', 'orchestrator')).toBe(true);
    expect(canMove('in_review', 'in_progress', 'orchestrator')).toBe(true);
    expect(canMove('needs_human', 'done', 'person')).toBe(true);
    expect(canMove('needs_human', 'in_review', 'person')).toBe(true);
    expect(canMove('blocked', 'ready', 'person')).toBe(true);
    expect(canMove('blocked', 'ready', 'orchestrator')).toBe(true);
    for (const from of ['backlog', 'ready', 'in_progress', 'in_review', 'needs_human'] as const) {
      expect(canMove(from, 'blocked', 'orchestrator')).toBe(true);
    }
    expect(canMove('done', 'blocked', 'orchestrator')).toBe(false);
    expect(canMove('needs_human', 'done', 'orchestrator')).toBe(false);
    expect(canMove('in_progress', 'done', 'person')).toBe(false);
    expect(canMove('ready', 'backlog', 'orchestrator')).toBe(false);
    expect(canMove('done', 'in_review', 'person')).toBe(false);
  });

  it('refuses any other move with an error naming the task, from and to', () => {
    let error: unknown;
    try {
      assertMove('leap-years', 'in_progress', 'done', 'person');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidMoveError);
    expect((error as InvalidMoveError).code).toBe('E_INVALID_MOVE');
    expect((error as Error).message).toBe(
      'Task leap-years cannot move from in_progress to done; a person moves a task to done only from needs_human (when a person approves).',
    );
    expect(() => assertMove('a', 'backlog', 'blocked', 'person')).toThrow(
      'Task a cannot move from backlog to blocked; a person never moves a task to blocked.',
    );
  });
});
