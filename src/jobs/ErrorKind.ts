import { z } from 'zod';

/** Why a job did not succeed. Stable strings: the API, Redis hashes and scripts match on them. */
export const ErrorKind = z.enum([
  'invalid_input',
  'clone_failed',
  'agent_exit',
  'agent_error',
  'timeout',
  'idle_timeout',
  'no_changes',
  'push_failed',
  'internal',
  'cancelled',
  'interrupted',
  'abandoned',
  'credentials',
  'budget',
  'setup',
  'verify',
  'review',
  'sandbox',
  'delivery',
  'unsafe_workspace',
]);
export type ErrorKind = z.infer<typeof ErrorKind>;
