import type { SseConnection } from '../../api/sse.js';
import { sleep } from '../../util/sleep.js';
import { planView } from '../planView.js';
import type { PlanStore } from '../types.js';

/**
 * Streams a plan's ledger events after `afterSeq` as SSE (`id` = seq, `event` = the event type, so a
 * reconnect resumes exactly after the last one seen), and a `plan` snapshot (no id) at the start and
 * after each batch of events. It runs until the client goes away: a plan can always get new events.
 */
export async function streamPlanEvents(
  conn: SseConnection,
  plans: PlanStore,
  name: string,
  afterSeq: number,
  opts: { pollMs: number },
): Promise<void> {
  let after = afterSeq;
  let snapshot = true;
  await conn.write('retry: 2000\n\n');
  while (!conn.closed) {
    for (;;) {
      const page = await plans.events(name, after, 500);
      for (const event of page) {
        if (conn.closed) return;
        await conn.send({ id: event.seq, event: event.type, data: event });
        after = event.seq;
        snapshot = true;
      }
      if (page.length < 500) break;
    }
    if (snapshot) {
      const state = await plans.get(name);
      if (!state) break;
      await conn.send({ event: 'plan', data: planView(state, await plans.leaseHolder(name)) });
      snapshot = false;
    }
    await sleep(opts.pollMs, conn.signal);
  }
  conn.close();
}
