import type { PlanEvent } from './PlanEvent.js';

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** One human line for an event (`drover plan events`, the dashboard timeline). */
export function describeEvent(e: PlanEvent): string {
  const d = e.data;
  const move = d.from && d.to ? ` (${str(d.from)} → ${str(d.to)})` : '';
  const by = d.by === 'person' ? ' by a person' : '';
  switch (e.type) {
    case 'task.assigned':
      return `${str(d.role)} run ${str(d.jobId)}${d.purpose && d.purpose !== 'start' ? ` [${str(d.purpose)}]` : ''}${d.base ? ` from ${str(d.base)}` : ''}${move}`;
    case 'run.finished':
      return `${str(d.role)} run ${str(d.jobId)} ${str(d.status)}${d.verdict ? ` ${str(d.verdict)}` : ''}${d.errorKind ? ` (${str(d.errorKind)}, ${str(d.classification)})` : ''}${move}`;
    case 'review.outcome':
      return `${str(d.verdict)}${d.cycle ? ` (cycle ${str(d.cycle)}/${str(d.cycles)})` : ''}${move}`;
    case 'task.blocked':
      return `${str(d.classification)} ${str(d.errorKind)}: ${str(d.reason)}${move}`;
    case 'task.retry':
      return `retry ${str(d.retry)}/${str(d.of)} after ${str(d.after)}${move}`;
    case 'task.rework':
      return `rework${by}: ${str(d.comment)}${move}`;
    case 'review.stalled':
      return `reviewer run ${str(d.jobId)} ended without a verdict (${str(d.errorKind)})`;
    case 'pr.opened':
      return str(d.url);
    case 'orchestrator.acquired':
      return `${str(d.holder)} (pid ${str(d.pid)} on ${str(d.host)})`;
    case 'task.watchdog':
      return `${str(d.role)} run ${str(d.jobId)} passed the watchdog (${str(d.watchdog)}); cancelled`;
    case 'task.cycle_cap':
      return `${str(d.cycles)} review cycles without a PASS`;
    default:
      return `${move.trim()}${by}`.trim();
  }
}
