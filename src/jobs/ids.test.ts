import { describe, expect, it } from 'vitest';
import { defaultBranch, newJobId } from './ids.js';

describe('newJobId', () => {
  it('is sortable by creation and unique, with distinct 8-char prefixes within a process', () => {
    const ids = Array.from({ length: 2000 }, () => newJobId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // Default branches use the first 8 chars: they must not collide between jobs.
    expect(new Set(ids.map(defaultBranch)).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^[0-9a-z]{26}$/);
  });

  it('orders by time even across process clocks', () => {
    const a = newJobId(Date.UTC(2030, 0, 1));
    const b = newJobId(Date.UTC(2031, 0, 1));
    expect(a < b).toBe(true);
  });
});
