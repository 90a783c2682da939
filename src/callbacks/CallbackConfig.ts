import { z } from 'zod';
import { csvList, nonBlankEnv, parseEnv } from '../config/envSchemas.js';
import { AddressPolicy } from './AddressPolicy.js';

/** The variables the signed callbacks read (validated at startup by every command that runs jobs). */
export const CallbackEnv = z.object({
  DROVER_CALLBACK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  DROVER_CALLBACK_ALLOW_HOSTS: csvList,
  DROVER_CALLBACK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
});
export type CallbackEnv = z.infer<typeof CallbackEnv>;

export interface CallbackConfig {
  /** HMAC-SHA256 key of X-Drover-Signature; without it no callback is sent. */
  secret: string | undefined;
  policy: AddressPolicy;
}

export function loadCallbackConfig(env: NodeJS.ProcessEnv): CallbackConfig {
  const e = parseEnv(CallbackEnv, nonBlankEnv(CallbackEnv, env));
  return {
    secret: e.DROVER_CALLBACK_SECRET,
    policy: new AddressPolicy({
      allowHosts: e.DROVER_CALLBACK_ALLOW_HOSTS,
      allowPrivate: e.DROVER_CALLBACK_ALLOW_PRIVATE === 'true',
    }),
  };
}
