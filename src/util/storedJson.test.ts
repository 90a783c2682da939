import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseStoredJson, readStoredJson } from './storedJson.js';

describe('stored JSON', () => {
  const Point = z.object({ x: z.number(), y: z.number().default(0) });

  it('reads a value through its schema (defaults applied)', () => {
    expect(readStoredJson(Point, '{"x":1}')).toEqual({ x: 1, y: 0 });
  });

  it('gives undefined for nothing, broken JSON or a value off the schema, never throwing', () => {
    for (const raw of [null, undefined, '', '{"x":', '{"x":"1"}', '[1,2]'])
      expect(readStoredJson(Point, raw)).toBeUndefined();
    expect(parseStoredJson('{"x":')).toBeUndefined();
    expect(parseStoredJson('[1]')).toEqual([1]);
  });
});
