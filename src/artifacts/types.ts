import type { Readable } from 'node:stream';
import { InvalidInputError } from '../errors.js';

export interface ArtifactInfo {
  name: string;
  size: number;
  /** ISO-8601. */
  modifiedAt: string;
  contentType: string;
}

export interface ArtifactBody {
  stream: Readable;
  size: number;
  contentType: string;
}

/**
 * Where a job's artifacts (diff, log, transcript, verify/review reports, result.json) live. Names are
 * flat (`[A-Za-z0-9._-]`, no path). Adapters: FsArtifactStore (<dataDir>/artifacts/<jobId>/, the
 * default) and S3ArtifactStore (any S3-compatible endpoint). Everything stored is already masked.
 */
export interface ArtifactStore {
  readonly kind: 'fs' | 's3';
  put(jobId: string, name: string, body: Buffer | string): Promise<void>;
  /** The job's artifacts, sorted by name; empty when it has none. */
  list(jobId: string): Promise<ArtifactInfo[]>;
  /** A stream of one artifact, or undefined when it does not exist. */
  open(jobId: string, name: string): Promise<ArtifactBody | undefined>;
  /**
   * Takes in what the job staged in a local directory (the runner writes there while it works).
   * The filesystem adapter stores in place when the directory is its own; S3 uploads, then the
   * staging directory is removed.
   */
  importDir(jobId: string, dir: string): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const JOB_ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$/;

export function artifactNameProblem(name: string): string | undefined {
  if (!NAME.test(name) || name.includes('..'))
    return 'must be a plain file name (letters, digits, . _ -; no path)';
  return undefined;
}

/** Throws InvalidInputError naming `field` for names that could escape the job's directory. */
export function assertArtifactName(name: string, field = 'name'): void {
  const problem = artifactNameProblem(name);
  if (problem) throw new InvalidInputError(`${field}: ${problem}`, [{ path: field, message: problem }]);
}

export function assertJobId(jobId: string): void {
  if (!JOB_ID.test(jobId)) {
    const message = 'is not a job id';
    throw new InvalidInputError(`id: ${message}`, [{ path: 'id', message }]);
  }
}

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.diff': 'text/x-diff; charset=utf-8',
  '.patch': 'text/x-diff; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && TYPES[name.slice(dot).toLowerCase()]) || 'application/octet-stream';
}
