import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './importGraph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('module layering', () => {
  const graph = importGraph(SRC);

  it('has no import cycles between modules (type imports included)', () => {
    expect(importCycles(graph)).toEqual([]);
  });
});

// Intakes (forge, plans, task runner) and the model gateway build on the runner's and the store's
// ports; the engine never depends on them.
const ENGINE = ['runner/', 'pipeline/', 'store/', 'jobs/', 'delivery/', 'workspace/', 'git/', 'sandbox/'];
const FEATURES = ['forge/', 'plans/', 'taskrunner/', 'gateway/'];

describe('engine and intakes', () => {
  it('the engine never imports an intake or the gateway', () => {
    const graph = importGraph(SRC);
    expect(graph.size).toBeGreaterThan(100);
    const offending = [...graph].flatMap(([file, deps]) =>
      ENGINE.some((e) => file.startsWith(e))
        ? deps.filter((d) => FEATURES.some((f) => d.startsWith(f))).map((d) => `${file} → ${d}`)
        : [],
    );
    expect(offending).toEqual([]);
  });
});
