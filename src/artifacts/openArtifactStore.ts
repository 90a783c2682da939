import { join } from 'node:path';
import { z } from 'zod';
import { nonBlankEnv, parseEnv } from '../config/envSchemas.js';
import { ConfigError } from '../errors.js';
import { FsArtifactStore } from './FsArtifactStore.js';
import { S3ArtifactStore } from './S3ArtifactStore.js';
import type { ArtifactStore } from './types.js';

export const ArtifactEnv = z.object({
  DROVER_ARTIFACT_STORE: z
    .string()
    .regex(
      /^(?:fs|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/[^\s]*)?)$/,
      'must be "fs" or s3://<bucket>[/<prefix>]',
    )
    .default('fs'),
  DROVER_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  DROVER_S3_REGION: z.string().min(1).default('us-east-1'),
  DROVER_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  DROVER_S3_ACCESS_KEY_ID: z.string().optional(),
  DROVER_S3_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
});

/**
 * The artifact store the environment selects: files under <dataDir>/artifacts (default) or an
 * S3-compatible bucket (DROVER_ARTIFACT_STORE=s3://bucket/prefix, DROVER_S3_ENDPOINT...).
 * The runner, `drover artifacts` and the HTTP API all open it the same way.
 */
export function openArtifactStore(env: NodeJS.ProcessEnv, dataDir: string): ArtifactStore {
  const e = parseEnv(ArtifactEnv, nonBlankEnv(ArtifactEnv, env));
  if (e.DROVER_ARTIFACT_STORE === 'fs') return new FsArtifactStore(join(dataDir, 'artifacts'));
  const [bucket, ...rest] = e.DROVER_ARTIFACT_STORE.slice('s3://'.length).split('/');
  const prefix = rest.filter(Boolean).join('/');
  const accessKeyId = e.DROVER_S3_ACCESS_KEY_ID ?? e.AWS_ACCESS_KEY_ID;
  const secretAccessKey = e.DROVER_S3_SECRET_ACCESS_KEY ?? e.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(
      'DROVER_ARTIFACT_STORE=s3://… needs DROVER_S3_ACCESS_KEY_ID and DROVER_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
    );
  }
  return new S3ArtifactStore({
    bucket: bucket!,
    prefix: prefix ? `${prefix}/` : '',
    region: e.DROVER_S3_REGION,
    ...(e.DROVER_S3_ENDPOINT ? { endpoint: e.DROVER_S3_ENDPOINT } : {}),
    ...(e.DROVER_S3_FORCE_PATH_STYLE ? { forcePathStyle: e.DROVER_S3_FORCE_PATH_STYLE === 'true' } : {}),
    accessKeyId,
    secretAccessKey,
    ...(!e.DROVER_S3_ACCESS_KEY_ID && e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}),
  });
}
