import type { SpecResolver } from '../../jobs/resolveJobSpec.js';
import type { PlanStore } from '../types.js';

export interface PlanRoutesOptions {
  plans: PlanStore;
  resolveSpec: SpecResolver;
  /** Plan creations and kickoffs per client per minute. */
  createPerMinute: number;
}
