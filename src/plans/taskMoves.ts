import { InvalidMoveError } from '../errors.js';
import type { Actor, TaskStatus } from './TaskStatus.js';

interface Move {
  from: TaskStatus | '*';
  to: TaskStatus;
  by: Actor;
  /** When the move happens, for error messages. */
  why: string;
}

/** The only moves a task can make; anything else is refused. */
export const MOVES: readonly Move[] = [
  { from: 'backlog', to: 'ready', by: 'orchestrator', why: 'every dependency is done' },
  { from: 'backlog', to: 'ready', by: 'person', why: 'a person promotes it once every dependency is done' },
  { from: 'ready', to: 'in_progress', by: 'orchestrator', why: 'an executor run starts' },
  { from: 'in_progress', to: 'in_review', by: 'orchestrator', why: 'the executor run succeeded' },
  { from: 'in_review', to: 'needs_human', by: 'orchestrator', why: 'the reviewer said PASS' },
  { from: 'needs_human', to: 'done', by: 'person', why: 'a person approves' },
  { from: 'needs_human', to: 'in_review', by: 'person', why: 'a person asks for rework, with a comment' },
  {
    from: 'in_review',
    to: 'in_progress',
    by: 'orchestrator',
    why: 'an executor fix-up starts (reviewer FAIL/INCOMPLETE, or a rework comment)',
  },
  { from: '*', to: 'blocked', by: 'orchestrator', why: 'cycle cap, watchdog or a failed run' },
  { from: 'blocked', to: 'ready', by: 'orchestrator', why: 'the cooldown after a transient failure passed' },
  { from: 'blocked', to: 'ready', by: 'person', why: 'a person retries it' },
];

export function canMove(from: TaskStatus, to: TaskStatus, by: Actor): boolean {
  if (from === to) return false;
  if (to === 'blocked' && from === 'done') return false;
  return MOVES.some((m) => (m.from === from || m.from === '*') && m.to === to && m.by === by);
}

/** Throws InvalidMoveError naming the task, from and to, and what would allow a move to `to`. */
export function assertMove(taskId: string, from: TaskStatus, to: TaskStatus, by: Actor): void {
  if (canMove(from, to, by)) return;
  const allowed = MOVES.filter((m) => m.to === to && m.by === by);
  const hint = allowed.length
    ? `; a ${by} moves a task to ${to} only ${allowed
        .map((m) => `from ${m.from === '*' ? 'any status' : m.from} (when ${m.why})`)
        .join(' or ')}`
    : `; a ${by} never moves a task to ${to}`;
  throw new InvalidMoveError(taskId, from, to, `Task ${taskId} cannot move from ${from} to ${to}${hint}.`);
}
