// Budgets enforced by the gateway before a call goes out, over real HTTP against a scripted upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../test/support/gateway.js';
import { type AnthropicServer, startAnthropicServer } from '../../test/support/models/anthropic.js';
import type { ModelBudgets } from '../pipeline/ModelAccess.js';

// $1 per million input and $10 per million output tokens: every call below costs 100k × 1 + 1k × 10
// = $0.11, and the next call of a conversation reads at least 101k tokens ($0.101).
const PRICES = { m: { input: 1, output: 10 } };
const USAGE = { input_tokens: 100_000, output_tokens: 1000 };

let upstream: AnthropicServer;
let gw: TestGateway;
beforeAll(async () => {
  upstream = await startAnthropicServer({ turns: [{ text: 'ok', usage: USAGE }], repeatLast: true });
  gw = await startTestGateway({ anthropic: upstream.url }, { prices: PRICES });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

/** Calls of one conversation: each carries the history so far (1, 3, 5... messages). */
async function conversation(budgets: ModelBudgets, calls: number, opts: { first?: string } = {}) {
  const { session, events } = await gw.open(budgets);
  const wire = session.wires.anthropic!;
  const before = upstream.allRequests.length;
  const statuses: number[] = [];
  const bodies: unknown[] = [];
  const messages: unknown[] = [{ role: 'user', content: opts.first ?? 'start' }];
  for (let i = 0; i < calls; i++) {
    const res = await fetch(`${wire.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': wire.token },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 32_000,
        thinking: { type: 'enabled', budget_tokens: 31_999 },
        tools: [{ name: 'Bash' }],
        messages,
      }),
    });
    statuses.push(res.status);
    bodies.push(await res.json());
    messages.push({ role: 'assistant', content: `reply ${i}` }, { role: 'user', content: `go on ${i}` });
  }
  const seen = upstream.allRequests.slice(before).map((r) => r.body as Record<string, unknown>);
  return { session, events, statuses, bodies, seen };
}

describe('budgets at the gateway', () => {
  it('a cost budget refuses the call that would pass it; the upstream never receives it', async () => {
    const { session, events, statuses, bodies, seen } = await conversation({ maxCostUsd: 0.25 }, 4);
    // Call 1: nothing known of its input; $0.25 pays 25000 output tokens: capped (thinking below it).
    // Call 2: $0.11 spent + at least $0.101 of input leaves $0.039, i.e. 3900 output tokens: capped.
    // Call 3: $0.22 + $0.101 > $0.25: refused, and so is everything after it.
    expect(statuses).toEqual([200, 200, 402, 402]);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ max_tokens: 25_000, thinking: { budget_tokens: 24_999 } });
    expect(seen[1]).toMatchObject({ max_tokens: 3900, thinking: { budget_tokens: 3899 } });
    expect(bodies[2]).toMatchObject({
      type: 'error',
      error: {
        type: 'billing_error',
        message: expect.stringMatching(/^Drover: The job's cost budget \(\$0\.25, --max-cost-usd\)/),
      },
    });
    expect(session.usage()).toMatchObject({ calls: 2, costUsd: 0.22 });
    const budget = events.filter((e) => e.type === 'budget');
    expect(budget).toHaveLength(2);
    expect(budget[0]).toMatchObject({ limit: 'cost', call: { n: 3, status: 402, refused: 'cost' } });
    const calls = events.flatMap((e) => (e.type === 'call' ? [e.call] : []));
    expect(calls.map((c) => [c.n, c.status, c.cappedMaxTokens])).toEqual([
      [1, 200, 25_000],
      [2, 200, 3900],
      [3, 402, undefined],
      [4, 402, undefined],
    ]);
    await session.close();
  });

  it('a new conversation has no known input yet: it is admitted on what is left, its output capped', async () => {
    const { session, statuses, seen } = await conversation({ maxCostUsd: 0.15 }, 1);
    expect(statuses).toEqual([200]);
    // $0.15 buys 15000 output tokens when nothing of the input is known yet.
    expect(seen[0]).toMatchObject({ max_tokens: 15_000 });
    await session.close();
  });

  it('maxTurns: exactly that many model calls go out', async () => {
    const { session, statuses, seen, bodies } = await conversation({ maxTurns: 3 }, 5);
    expect(statuses).toEqual([200, 200, 200, 402, 402]);
    expect(seen).toHaveLength(3);
    expect(bodies[3]).toMatchObject({
      error: { message: expect.stringContaining('its 3 model calls (--max-turns)') },
    });
    expect(session.usage().calls).toBe(3);
    await session.close();
  });

  it('maxTokens: refused once the input bound leaves no room, output capped before that', async () => {
    const { session, statuses, seen } = await conversation({ maxTokens: 230_000 }, 3);
    // Call 1: its own 32k fit. Call 2: 101k used + at least 101k input leaves 28k output tokens.
    // Call 3: 202k used + at least 101k input > 230k.
    expect(statuses).toEqual([200, 200, 402]);
    expect(seen[0]).toMatchObject({ max_tokens: 32_000 });
    expect(seen[1]).toMatchObject({ max_tokens: 28_000 });
    await session.close();
  });

  it('spend the gateway did not see counts too (an earlier run with the gateway off)', async () => {
    const { session } = await gw.open({ maxCostUsd: 1 });
    session.countExternal({ costUsd: 0.995 });
    const wire = session.wires.anthropic!;
    const before = upstream.allRequests.length;
    const res = await fetch(`${wire.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': wire.token },
      body: JSON.stringify({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }),
    });
    // $0.005 left pays 500 output tokens: the call goes out capped at 100 (its own cap), not refused.
    expect(res.status).toBe(200);
    session.countExternal({ costUsd: 0.1 });
    const refused = await fetch(`${wire.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': wire.token },
      body: JSON.stringify({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'y' }] }),
    });
    expect(refused.status).toBe(402);
    expect(upstream.allRequests.length - before).toBe(1);
    await session.close();
  });
});
