import { CredentialsError } from '../errors.js';
import type { ResolveJobCredentials } from '../runner/types.js';
import type { ForgeCredentials } from './ForgeConfig.js';
import { GitHubAppTokens } from './github/GitHubAppTokens.js';

/**
 * The runner's credential port for forge jobs, on whichever machine runs them: a GitHub job gets a
 * fresh installation token of the App, narrowed to its repository (or DROVER_GITHUB_TOKEN), a GitLab
 * job DROVER_GITLAB_TOKEN (as `oauth2`); the token serves git and the job's PR. Other jobs, and forge
 * jobs this runner has no forge credentials for, go to `fallback` (else the runner's git token).
 */
export function forgeJobCredentials(
  creds: ForgeCredentials,
  fallback: ResolveJobCredentials | undefined,
  runnerToken: string | undefined,
): ResolveJobCredentials {
  const app = creds.githubApp ? new GitHubAppTokens(creds.githubApp, creds.githubApiUrl) : undefined;
  return async (req) => {
    const source = req.job.source;
    if (source?.intake === 'forge' && source.repo) {
      if (source.forge === 'github' && app) {
        try {
          const token = await app.token(source.repo, source.installationId, { fresh: true });
          return { token, username: 'x-access-token', forApi: true };
        } catch (err) {
          throw new CredentialsError(
            `Could not mint a GitHub App token for ${source.repo}: ${(err as Error).message}`,
            { cause: err },
          );
        }
      }
      if (source.forge === 'github' && creds.githubToken) {
        return { token: creds.githubToken, username: 'x-access-token', forApi: true };
      }
      if (source.forge === 'gitlab' && creds.gitlabToken) {
        return { token: creds.gitlabToken, username: 'oauth2', forApi: true };
      }
    }
    return fallback ? fallback(req) : runnerToken;
  };
}
