import type { OutputEntry } from '../api';

/** One `model.call` entry's data, as the gateway records it (read defensively: it is stored output). */
interface CallData {
  n?: number;
  model?: string | null;
  wire?: string;
  status?: number;
  refused?: string;
  aborted?: boolean;
  inputTokens?: number;
  cachedInputTokens?: number;
  outputTokens?: number;
  costUsd?: number | null;
  latencyMs?: number;
  cappedMaxTokens?: number;
}

const count = (n: number | undefined) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

/** The job's model calls through the gateway: model, status, tokens, cost and latency of each. */
export function ModelCalls({ entries }: { entries: OutputEntry[] }) {
  if (entries.length === 0) return null;
  const calls = entries.map((e) => (e.data ?? {}) as CallData);
  return (
    <details class="model-calls">
      <summary>
        Model calls <span class="muted">({calls.length})</span>
      </summary>
      <table class="jobs">
        <thead>
          <tr>
            <th>#</th>
            <th>model</th>
            <th>status</th>
            <th>input (cached)</th>
            <th>output</th>
            <th>cost</th>
            <th>latency</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c, i) => (
            <tr key={c.n ?? i} class={c.refused ? 'refused' : ''}>
              <td data-label="#">{c.n ?? i + 1}</td>
              <td data-label="model" class="mono">
                {c.model ?? c.wire ?? '—'}
              </td>
              <td data-label="status">
                {c.status ?? '—'}
                {c.refused ? ` refused (${c.refused})` : ''}
                {c.aborted ? ' aborted' : ''}
                {c.cappedMaxTokens !== undefined ? ` · capped at ${count(c.cappedMaxTokens)}` : ''}
              </td>
              <td data-label="input (cached)">
                {count(c.inputTokens)} ({count(c.cachedInputTokens)})
              </td>
              <td data-label="output">{count(c.outputTokens)}</td>
              <td data-label="cost">{typeof c.costUsd === 'number' ? `$${c.costUsd.toFixed(4)}` : '—'}</td>
              <td data-label="latency">
                {typeof c.latencyMs === 'number' ? `${(c.latencyMs / 1000).toFixed(1)}s` : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
