import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'jobs' }
  | { page: 'job'; id: string }
  | { page: 'new' }
  | { page: 'charts' }
  | { page: 'token' }
  | { page: 'plans' }
  | { page: 'plan'; name: string };

/** Hash routes (#/jobs/ID, #/new...): the server only has to serve index.html. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const job = /^\/jobs\/([0-9a-z_-]+)$/.exec(path);
  if (job?.[1]) return { page: 'job', id: job[1] };
  if (path === '/new') return { page: 'new' };
  if (path === '/charts') return { page: 'charts' };
  if (path === '/token') return { page: 'token' };
  if (path === '/plans') return { page: 'plans' };
  const plan = /^\/plans\/([a-z0-9][a-z0-9-]{0,62})$/.exec(path);
  if (plan?.[1]) return { page: 'plan', name: plan[1] };
  return { page: 'jobs' };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(path: string): void {
  location.hash = path;
}

/** Re-renders every `ms` (live ages and durations). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
