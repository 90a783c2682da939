import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

const MIN_TOKEN_LENGTH = 16;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Bearer-token check for the API. Only SHA-256 digests of the tokens are kept, and every candidate
 * is compared with timingSafeEqual on equal-length digests (no early exit), so neither the length
 * nor a prefix of a token leaks through response timing.
 */
export class ApiAuth {
  private readonly digests: Buffer[];

  /** `digests`: tokens known only by their SHA-256 (a server's generated token). */
  constructor(tokens: readonly string[], digests: readonly Buffer[] = []) {
    this.digests = [...tokens.map(sha256), ...digests];
  }

  /** No tokens configured: the API is open (only allowed on a loopback address). */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  get tokenCount(): number {
    return this.digests.length;
  }

  /** Checks an Authorization header value (`Bearer <token>`). */
  verifyHeader(header: string | undefined): boolean {
    if (!header) return false;
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    return match?.[1] ? this.verify(match[1]) : false;
  }

  verify(token: string): boolean {
    const candidate = sha256(token);
    let ok = false;
    for (const digest of this.digests) ok = timingSafeEqual(candidate, digest) || ok;
    return ok;
  }
}

/** Splits a token list (comma- or newline-separated; `#` starts a comment line in files). */
export function parseTokenList(text: string, source: string): string[] {
  const tokens = text
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter((t) => t && !t.startsWith('#'));
  for (const token of tokens) {
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      // The message names the source, never the token itself.
      throw new ConfigError(
        `${source}: every API token must be at least ${MIN_TOKEN_LENGTH} characters without spaces`,
      );
    }
  }
  return tokens;
}

/** Tokens from DROVER_API_TOKENS and the token file (--api-token-file or DROVER_API_TOKEN_FILE). */
export async function loadApiTokens(env: NodeJS.ProcessEnv, tokenFile?: string): Promise<string[]> {
  const tokens = parseTokenList(env.DROVER_API_TOKENS ?? '', 'DROVER_API_TOKENS');
  const file = tokenFile ?? env.DROVER_API_TOKEN_FILE;
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`--api-token-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
    const fromFile = parseTokenList(text, `--api-token-file ${file}`);
    if (fromFile.length === 0) throw new ConfigError(`--api-token-file: ${file} contains no token`);
    tokens.push(...fromFile);
  }
  return tokens;
}
