import { hostname } from 'node:os';
import { ApiAuth, loadApiTokens } from '../api/ApiAuth.js';
import { isLoopbackHost } from '../api/isLoopback.js';
import { type ServerToken, serverToken } from '../api/serverToken.js';

/**
 * Who may use the API of `drover serve`, and how the person starting it gets in:
 * - configured tokens (DROVER_API_TOKENS, the token file): required; the operator knows them;
 * - none, on a loopback address: open to this machine only (Host-checked against DNS rebinding);
 * - none, beyond loopback: a token generated once per data dir, printed once, only its digest kept.
 */
export interface ServeAccess {
  auth: ApiAuth;
  /** Once the server listens: saves a new generated token's digest; returns the lines telling how to log in. */
  announce(url: string): Promise<string[]>;
}

export async function serveAccess(
  host: string,
  dataDir: string,
  tokenFile: string | undefined,
): Promise<ServeAccess> {
  const tokens = await loadApiTokens(process.env, tokenFile);
  const generated: ServerToken | undefined =
    tokens.length === 0 && !isLoopbackHost(host) ? await serverToken(dataDir) : undefined;
  const auth = new ApiAuth(tokens, generated ? [generated.digest] : []);
  return {
    auth,
    async announce(url) {
      const open = browsable(url, host);
      if (tokens.length > 0) {
        const from = [
          process.env.DROVER_API_TOKENS ? 'DROVER_API_TOKENS' : '',
          tokenFile ?? process.env.DROVER_API_TOKEN_FILE ?? '',
        ]
          .filter(Boolean)
          .join(' and ');
        return [
          `API tokens: ${tokens.length} from ${from}. Log in: open ${open} and enter one under "API token"; API clients send "Authorization: Bearer <token>".`,
        ];
      }
      if (!generated) {
        return [
          `No API token needed: the API and dashboard answer this machine only (${open}). Set DROVER_API_TOKENS to require one.`,
        ];
      }
      if (!generated.token) {
        return [
          `API token: the one printed when this data dir first served beyond this machine (only its digest is kept, in ${generated.file}; delete that file and restart for a new one).`,
        ];
      }
      let kept = `only its digest is kept, in ${generated.file}`;
      await generated.save().catch((err: NodeJS.ErrnoException) => {
        kept = `its digest could not be saved (${err.code ?? err.message}), so it works until this server stops`;
      });
      return [
        `API token (shown only now; ${kept}):`,
        `  ${generated.token}`,
        `Log in: open ${open} and enter it under "API token"; API clients send "Authorization: Bearer <token>". Set DROVER_API_TOKENS or --api-token-file to choose your own.`,
      ];
    },
  };
}

/** A URL a browser can open: a wildcard address becomes this machine's name. */
function browsable(url: string, host: string): string {
  if (host !== '0.0.0.0' && host !== '::' && host !== '[::]') return url;
  return url.replace(/^http:\/\/(\[::\]|0\.0\.0\.0|::)/, `http://${hostname()}`);
}
