import type { Logger } from 'pino';
import type { ArtifactStore } from '../artifacts/types.js';
import type { LocalRepoPolicy } from '../jobs/localRepoAccess.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import type { JobStore } from '../store/types.js';
import type { ApiAuth } from './ApiAuth.js';
import type { JobEventHub } from './JobEventHub.js';
import type { ServerMetrics } from './ServerMetrics.js';
import type { SseConnection } from './sse.js';

/** What the route files share. */
export interface ApiDeps {
  store: JobStore;
  logger: Logger;
  auth: ApiAuth;
  metrics: ServerMetrics;
  /** Validates submitted specs with the repo defaults of DROVER_CONFIG laid under them. */
  resolveSpec: SpecResolver;
  /** Local repositories API submitters may name (default: none). */
  localRepos: LocalRepoPolicy;
  /** A job's artifacts (absent: the artifact routes answer 404). */
  artifacts?: ArtifactStore;
  sse: {
    /** How often an open stream polls the store for new output. */
    pollMs: number;
    /** How often an idle stream sends a `: ping` comment. */
    heartbeatMs: number;
    /** Open streams, ended when the server closes. */
    open: Set<SseConnection>;
    /** One store poller per watched job, shared by its streams; fed by the embedded runner. */
    hub: JobEventHub;
  };
}
