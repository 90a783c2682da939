import { useEffect, useState } from 'preact/hooks';
import { isUnauthorized, onTokenChange } from '../api';
import { type Route, useRoute } from '../route';
import { Charts } from './Charts';
import { JobDetail } from './JobDetail';
import { JobList } from './JobList';
import { PlanBoard } from './PlanBoard';
import { PlanList } from './PlanList';
import { SubmitForm } from './SubmitForm';
import { TokenPanel } from './TokenPanel';

const NAV: { page: Route['page']; href: string; label: string }[] = [
  { page: 'jobs', href: '#/', label: 'Jobs' },
  { page: 'new', href: '#/new', label: 'New job' },
  { page: 'plans', href: '#/plans', label: 'Plans' },
  { page: 'charts', href: '#/charts', label: 'Charts' },
  { page: 'token', href: '#/token', label: 'Token' },
];

export function App() {
  const route = useRoute();
  const [needsToken, setNeedsToken] = useState(isUnauthorized());
  useEffect(() => onTokenChange(() => setNeedsToken(isUnauthorized())), []);
  const active = route.page === 'job' ? 'jobs' : route.page === 'plan' ? 'plans' : route.page;
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/">
          Drover
        </a>
        <nav>
          {NAV.map((item) => (
            <a
              key={item.page}
              href={item.href}
              class={`${item.page === active ? 'active' : ''} ${item.page === 'token' && needsToken ? 'alert' : ''}`}
            >
              {item.label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        {needsToken && route.page !== 'token' && (
          <div class="notice">
            The server needs an API token. <a href="#/token">Enter your token</a>.
          </div>
        )}
        {route.page === 'jobs' && <JobList />}
        {route.page === 'job' && <JobDetail key={route.id} id={route.id} />}
        {route.page === 'new' && <SubmitForm />}
        {route.page === 'charts' && <Charts />}
        {route.page === 'token' && <TokenPanel />}
        {route.page === 'plans' && <PlanList />}
        {route.page === 'plan' && <PlanBoard key={route.name} name={route.name} />}
      </main>
    </>
  );
}
