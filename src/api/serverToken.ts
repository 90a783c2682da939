import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * The API token of a server that listens beyond this machine with no token configured: made once per
 * data dir and shown once. Only its SHA-256 digest is kept (`<data dir>/api-token.sha256`), so the token
 * itself exists only in what the user saw; deleting the file makes the next start issue a new one.
 */
export interface ServerToken {
  digest: Buffer;
  file: string;
  /** The token, when it was made by this start (not yet saved: call save() once the server listens). */
  token?: string;
  save(): Promise<void>;
}

export async function serverToken(dataDir: string): Promise<ServerToken> {
  const file = join(dataDir, 'api-token.sha256');
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the server's API token digest ${file} (${err.code})`);
  });
  if (text !== undefined) {
    if (!/^[0-9a-f]{64}\s*$/.test(text)) {
      throw new ConfigError(`${file} is not a SHA-256 digest; delete it and restart to get a new API token`);
    }
    return { digest: Buffer.from(text.trim(), 'hex'), file, save: async () => {} };
  }
  const token = `drv_${randomBytes(24).toString('base64url')}`;
  const digest = createHash('sha256').update(token, 'utf8').digest();
  return {
    digest,
    file,
    token,
    async save() {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, `${digest.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    },
  };
}
