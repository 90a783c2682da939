import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi.js';

describe('OpenAPI document', () => {
  // biome-ignore lint/suspicious/noExplicitAny: a JSON document walked by path
  const doc = buildOpenApiDocument('1.2.3') as Record<string, any>;

  it('documents the plans API next to the jobs API', () => {
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/plans',
        '/api/plans/kickoff',
        '/api/plans/{name}',
        '/api/plans/{name}/pause',
        '/api/plans/{name}/resume',
        '/api/plans/{name}/tasks/{task}/approve',
        '/api/plans/{name}/tasks/{task}/rework',
        '/api/plans/{name}/tasks/{task}/retry',
        '/api/plans/{name}/tasks/{task}/promote',
        '/api/plans/{name}/ledger',
        '/api/plans/{name}/events',
      ]),
    );
    const schemas = doc.components.schemas;
    // Generated from the zod schemas: the plan file's fields and the settings' defaults.
    expect(Object.keys(schemas.PlanFile.properties)).toEqual([
      'name',
      'repo',
      'baseRef',
      'defaults',
      'settings',
      'tasks',
    ]);
    expect(schemas.PlanFile.required).toEqual(expect.arrayContaining(['name', 'repo', 'tasks']));
    expect(schemas.PlanEvent.properties.type.enum).toEqual(
      expect.arrayContaining(['task.assigned', 'review.outcome', 'task.watchdog']),
    );
    expect(schemas.JobSpec.properties.mode.enum).toEqual(['change', 'review']);
    expect(schemas.Job.properties.verdict).toBeDefined();
    // Every $ref points at a component that exists.
    const refs = JSON.stringify(doc).match(/#\/components\/(schemas|responses)\/[A-Za-z]+/g) ?? [];
    for (const r of new Set(refs)) {
      const [, , kind, name] = r.split('/');
      expect(doc.components[kind!][name!], r).toBeDefined();
    }
  });
});
