import type { Logger } from 'pino';
import type { RepoDefaults } from '../jobs/RepoDefaults.js';
import type { SpecResolver } from '../jobs/resolveJobSpec.js';
import type { Masker } from '../secrets/Masker.js';
import type { JobStore } from '../store/types.js';
import type { ForgeConfig } from './ForgeConfig.js';
import type { ForgeApi, ForgeName, ForgeState } from './types.js';

/** What the webhook intake and the reporter share. */
export interface ForgeDeps {
  store: JobStore;
  state: ForgeState;
  /** One adapter per forge with credentials. */
  apis: Partial<Record<ForgeName, ForgeApi>>;
  config: ForgeConfig;
  repoDefaults: readonly RepoDefaults[];
  /** Parses a forge job's spec with the repo defaults under it. */
  resolveSpec: SpecResolver;
  logger: Logger;
  /** Knows every forge secret: whatever Drover writes to a forge or a log goes through it. */
  masker: Masker;
  /** Tells the reporter a task has something to do now (a comment to write). */
  wake: () => void;
}
