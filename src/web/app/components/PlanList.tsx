import { useEffect, useState } from 'preact/hooks';
import { formatCost, shortRepo } from '../format';
import { listPlans, type PlanSummary } from '../planApi';
import { StatusBadge } from './StatusBadge';

const POLL_MS = 3000;

/** Every plan with its task counts; a plan opens its board. */
export function PlanList() {
  const [plans, setPlans] = useState<PlanSummary[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const res = await listPlans();
        if (!stopped) {
          setPlans(res.plans);
          setError('');
        }
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      }
      if (!stopped) timer = setTimeout(load, POLL_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return (
    <section class="panel">
      <div class="toolbar">
        <h1>Plans</h1>
      </div>
      {error && <p class="error-text">{error}</p>}
      {plans === undefined && !error && <p class="muted">Loading…</p>}
      {plans?.length === 0 && (
        <p class="muted">
          No plans yet. Create one with <code>drover plan apply plan.yml</code> or{' '}
          <code>drover plan kickoff</code>.
        </p>
      )}
      {plans && plans.length > 0 && (
        <table class="jobs">
          <thead>
            <tr>
              <th>Plan</th>
              <th>Status</th>
              <th>Repo</th>
              <th>Tasks</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {plans.map((p) => (
              <tr key={p.name} data-plan={p.name} onClick={() => (location.hash = `/plans/${p.name}`)}>
                <td data-label="Plan">
                  <a href={`#/plans/${p.name}`} class="mono">
                    {p.name}
                  </a>
                </td>
                <td data-label="Status">
                  <StatusBadge status={p.status} />
                </td>
                <td data-label="Repo" title={p.repo}>
                  {shortRepo(p.repo)}
                </td>
                <td data-label="Tasks">
                  {p.counts.done}/{p.tasks} done
                  {p.counts.blocked > 0 ? `, ${p.counts.blocked} blocked` : ''}
                  {p.counts.needs_human > 0 ? `, ${p.counts.needs_human} to approve` : ''}
                </td>
                <td data-label="Cost">{p.costUsd > 0 ? formatCost(p.costUsd) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
