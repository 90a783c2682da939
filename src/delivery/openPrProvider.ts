import { DeliveryError } from '../errors.js';
import { parseRemoteRepo } from '../git/remoteRepo.js';
import type { JobContext } from '../pipeline/JobContext.js';
import { loadDeliveryConfig } from './DeliveryConfig.js';
import { GitHubProvider } from './github/GitHubProvider.js';
import { GitLabProvider, gitlabApiRoot } from './gitlab/GitLabProvider.js';
import { providerForHost } from './remoteRepo.js';
import type { PrProvider, PrProviderName } from './types.js';

export interface ResolvedPrTarget {
  provider: PrProvider;
  apiUrl: string;
}

/**
 * The forge a job's PR goes to: provider from --pr-provider or the remote's host (or the host of a
 * configured API URL), repository from the remote URL's path, API URL and token from runner config
 * (a token minted for the job, else the forge's token, else the job's git token). The token is
 * registered with the masker.
 */
export function openPrProvider(ctx: JobContext): ResolvedPrTarget {
  const config = loadDeliveryConfig(ctx.config.hostEnv);
  const remote = parseRemoteRepo(ctx.spec.repo);
  if (!remote) {
    throw new DeliveryError(
      `A pull request needs a repository on GitHub or GitLab; ${ctx.spec.repo} is a local path or file URL.`,
    );
  }
  const name: PrProviderName | undefined =
    ctx.spec.prProvider ??
    providerForHost(remote.host) ??
    (sameHost(config.githubApiUrl, remote.host) ? 'github' : undefined) ??
    (sameHost(config.gitlabApiUrl, remote.host) ? 'gitlab' : undefined);
  if (!name) {
    throw new DeliveryError(
      `Cannot tell whether ${remote.host} is GitHub or GitLab; pass --pr-provider github|gitlab (spec field prProvider).`,
    );
  }
  const web = /^https?$/.test(remote.scheme)
    ? `${remote.scheme}://${remote.authority}`
    : `https://${remote.host}`;
  if (name === 'github') {
    const token = ctx.apiToken ?? config.githubToken ?? ctx.gitToken;
    if (!token) throw missingToken('GitHub', 'DROVER_GITHUB_TOKEN');
    ctx.masker.add(token);
    const parts = remote.path.split('/');
    if (parts.length !== 2) {
      throw new DeliveryError(`The GitHub repository path "${remote.path}" is not owner/name.`);
    }
    const apiUrl =
      config.githubApiUrl ?? (remote.host === 'github.com' ? 'https://api.github.com' : `${web}/api/v3`);
    return {
      provider: new GitHubProvider({ baseUrl: apiUrl, token, owner: parts[0]!, repo: parts[1]! }),
      apiUrl,
    };
  }
  const token = ctx.apiToken ?? config.gitlabToken ?? ctx.gitToken;
  if (!token) throw missingToken('GitLab', 'DROVER_GITLAB_TOKEN');
  ctx.masker.add(token);
  const apiUrl = gitlabApiRoot(config.gitlabApiUrl ?? web);
  return { provider: new GitLabProvider({ apiUrl, token, project: remote.path }), apiUrl };
}

function missingToken(forge: string, variable: string): DeliveryError {
  return new DeliveryError(
    `No API token for ${forge}: set ${variable} (or DROVER_GIT_TOKEN, which it falls back to).`,
  );
}

function sameHost(apiUrl: string | undefined, host: string): boolean {
  if (!apiUrl) return false;
  return new URL(apiUrl).hostname.toLowerCase() === host;
}
