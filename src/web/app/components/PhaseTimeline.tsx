import { formatDuration } from '../format';

export interface PhaseMark {
  name: string;
  title: string;
  ts: string;
}

/**
 * The job's phases in order, each with how long it took (the last one runs until the end or now).
 * Once the job ended, the last phase takes the colour of its final status.
 */
export function PhaseTimeline({
  phases,
  endedAt,
  status,
  now,
}: {
  phases: PhaseMark[];
  endedAt: string | null;
  status: string | null;
  now: number;
}) {
  if (phases.length === 0) return null;
  return (
    <ol class="timeline" aria-label="Phases">
      {phases.map((p, i) => {
        const next = phases[i + 1];
        const start = Date.parse(p.ts);
        const end = next ? Date.parse(next.ts) : endedAt ? Date.parse(endedAt) : now;
        const state = next ? 'done' : !endedAt ? 'current' : `done end-${status ?? 'unknown'}`;
        return (
          <li key={`${p.name}-${p.ts}`} class={state} title={p.title}>
            <span class="dot" />
            <span class="phase-name">{p.name}</span>
            <span class="phase-time">{formatDuration(Math.max(0, end - start))}</span>
          </li>
        );
      })}
    </ol>
  );
}
