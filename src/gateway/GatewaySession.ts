import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  ModelBudgets,
  ModelSession,
  ModelSessionEvent,
  ModelUsage,
  ModelWireName,
  ModelWires,
} from '../pipeline/ModelAccess.js';
import { type Admission, admitCall, type BudgetState, type CallEstimate } from './admitCall.js';
import type { ConversationPlace, WireUsage } from './wires/types.js';

/** Where one conversation stood after its last call: a lower bound for its next call's input. */
interface ConversationState {
  length: number;
  /** Input of the last call, cached included. */
  input: number;
  /** Output the next call carries back as input (reasoning excluded; 0 after thinking). */
  carried: number;
}

const MAX_CONVERSATIONS = 256;

/** A call admitted under the budgets, until it settles. */
export interface CallTicket {
  reserveCostUsd: number;
  reserveTokens: number;
}

/**
 * One job attempt at the gateway: its random token (kept only as a digest), the real keys it may use,
 * its budgets and what it spent, the conversations it had (for input lower bounds), the calls in flight
 * (aborted on close) and the runner's listeners.
 */
export class GatewaySession implements ModelSession {
  readonly id = randomBytes(9).toString('base64url');
  readonly token = `drover-${randomBytes(24).toString('base64url')}`;
  private readonly digest = sha256(this.token);
  wires: ModelWires = {};
  configured: ModelWireName[] = [];
  secrets: string[] = [];
  notes: Partial<Record<ModelWireName, string>> = {};
  closed = false;
  /** Requests of this job being handled (read, forwarded or answered) right now. */
  active = 0;
  private readonly totals: ModelUsage = {
    calls: 0,
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  };
  private readonly external = { costUsd: 0, turns: 0, tokens: 0 };
  private admitted = 0;
  private reservedCostUsd = 0;
  private reservedTokens = 0;
  private callNumber = 0;
  private readonly conversations = new Map<string, ConversationState>();
  private readonly responses = new Map<string, ConversationState>();
  private readonly inFlight = new Set<{ abort: () => void; done: Promise<void> }>();
  private readonly listeners = new Set<(event: ModelSessionEvent) => void>();
  private readonly unpriced = new Set<string>();

  constructor(
    readonly jobId: string,
    readonly budgets: ModelBudgets,
    /** Auth header per dialect (the runner's key, or the job's user's). */
    readonly auth: Partial<Record<ModelWireName, [string, string]>>,
    private readonly onClose: (session: GatewaySession) => void,
  ) {}

  /** Constant-time check of a presented token. */
  verify(presented: string | undefined): boolean {
    if (this.closed || !presented) return false;
    return timingSafeEqual(sha256(presented), this.digest);
  }

  usage(): ModelUsage {
    return { ...this.totals };
  }

  subscribe(listener: (event: ModelSessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ModelSessionEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  countExternal(usage: { costUsd?: number; turns?: number; tokens?: number }): void {
    this.external.costUsd += usage.costUsd ?? 0;
    this.external.turns += usage.turns ?? 0;
    this.external.tokens += usage.tokens ?? 0;
  }

  nextCallNumber(): number {
    return ++this.callNumber;
  }

  /**
   * The least input this call can have: a later call of a conversation carries the earlier call's input
   * and its answer (`fresh`: the part the provider has not seen yet, which cannot come from its cache).
   */
  inputLowerBound(place: ConversationPlace | undefined): { tokens: number; fresh: number } {
    const none = { tokens: 0, fresh: 0 };
    if (!place || place.mayShrink) return none;
    const prev = place.previousResponseId
      ? this.responses.get(place.previousResponseId)
      : this.conversations.get(place.key);
    if (!prev || (!place.previousResponseId && place.length <= prev.length)) return none;
    return { tokens: prev.input + prev.carried, fresh: prev.carried };
  }

  admit(est: CallEstimate): Admission {
    const state: BudgetState = {
      costUsd: this.totals.costUsd + this.external.costUsd,
      tokens:
        this.totals.inputTokens +
        this.totals.cachedInputTokens +
        this.totals.outputTokens +
        this.external.tokens,
      calls: this.admitted + this.external.turns,
      reservedCostUsd: this.reservedCostUsd,
      reservedTokens: this.reservedTokens,
    };
    const admission = admitCall(this.budgets, state, est);
    if (admission.ok) {
      this.admitted++;
      this.reservedCostUsd += admission.reserveCostUsd;
      this.reservedTokens += admission.reserveTokens;
    }
    return admission;
  }

  /**
   * A call ended: its reservation is released and what it used is counted. `counted` is false for a
   * call the provider did not answer (a failed call is neither a turn nor spend).
   */
  settle(ticket: CallTicket | undefined, usage: WireUsage, costUsd: number | null, counted: boolean): void {
    if (ticket) {
      this.reservedCostUsd = Math.max(0, this.reservedCostUsd - ticket.reserveCostUsd);
      this.reservedTokens = Math.max(0, this.reservedTokens - ticket.reserveTokens);
      if (!counted) this.admitted--;
    }
    if (counted && ticket) this.totals.calls++;
    this.totals.inputTokens += usage.inputTokens;
    this.totals.cachedInputTokens += usage.cachedInputTokens;
    this.totals.outputTokens += usage.outputTokens;
    if (costUsd !== null) this.totals.costUsd += costUsd;
  }

  /** Remembers where a conversation stands after a call that the provider answered. */
  remember(place: ConversationPlace | undefined, usage: WireUsage): void {
    if (!place || !usage.seen) return;
    const state: ConversationState = {
      length: place.length,
      input: usage.inputTokens + usage.cachedInputTokens,
      carried: usage.thinking ? 0 : Math.max(0, usage.outputTokens - usage.reasoningTokens),
    };
    remember(this.conversations, place.key, state);
    if (usage.responseId) remember(this.responses, usage.responseId, state);
  }

  /** Told once per model without a price. */
  noteUnpriced(model: string): void {
    if (this.unpriced.has(model)) return;
    this.unpriced.add(model);
    this.emit({ type: 'unpriced', model });
  }

  /** Registers a call in flight; the returned function marks it done. */
  track(abort: () => void): () => void {
    let finish!: () => void;
    const entry = { abort, done: new Promise<void>((resolve) => (finish = resolve)) };
    this.inFlight.add(entry);
    return () => {
      this.inFlight.delete(entry);
      finish();
    };
  }

  async abortInFlight(): Promise<void> {
    const calls = [...this.inFlight];
    for (const call of calls) call.abort();
    await Promise.all(calls.map((c) => c.done));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    await this.abortInFlight();
    this.listeners.clear();
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function remember(map: Map<string, ConversationState>, key: string, state: ConversationState): void {
  map.delete(key);
  map.set(key, state);
  if (map.size > MAX_CONVERSATIONS) map.delete(map.keys().next().value!);
}
