import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { ForgeApiError } from '../../errors.js';
import type { GitHubAppCredentials } from '../ForgeConfig.js';
import { githubCall, loadOctokit, quietLog, requestOptions } from './octokitClient.js';

const Installation = z.object({ id: z.number().int().positive() });
const TokenAuth = z.object({ token: z.string().min(1), expiresAt: z.string().optional() });

/**
 * Installation access tokens of a GitHub App through @octokit/auth-app: the App signs a JWT with its
 * private key, GitHub trades it for a token of one installation, narrowed here to one repository.
 * The installation comes from the webhook (`installation.id`) or `GET /repos/{owner}/{repo}/installation`.
 */
export class GitHubAppTokens {
  private app: Promise<Octokit> | undefined;
  private readonly installations = new Map<string, number>();

  constructor(
    private readonly credentials: GitHubAppCredentials,
    private readonly baseUrl: string,
  ) {}

  private client(): Promise<Octokit> {
    this.app ??= Promise.all([loadOctokit(), import('@octokit/auth-app')]).then(
      ([Octokit, { createAppAuth }]) =>
        new Octokit({
          baseUrl: this.baseUrl,
          userAgent: 'drover',
          log: quietLog,
          authStrategy: createAppAuth,
          auth: { appId: this.credentials.appId, privateKey: this.credentials.privateKey, log: quietLog },
        }),
    );
    return this.app;
  }

  /**
   * A token for `repo` (owner/name) only. `fresh` mints a new one (a job's token must last the job:
   * about an hour); otherwise a cached token that is still valid is reused.
   */
  async token(repo: string, installationId?: number, opts: { fresh?: boolean } = {}): Promise<string> {
    const [owner, name] = repo.split('/') as [string, string];
    const app = await this.client();
    const id = installationId ?? (await this.installationOf(app, owner, name));
    const auth = await githubCall(`minting an installation token for ${repo}`, () =>
      app.auth({
        type: 'installation',
        installationId: id,
        repositoryNames: [name],
        ...(opts.fresh ? { refresh: true } : {}),
      }),
    );
    const parsed = TokenAuth.safeParse(auth);
    if (!parsed.success)
      throw new ForgeApiError(`GitHub: the installation token for ${repo} was not a token`);
    return parsed.data.token;
  }

  private async installationOf(app: Octokit, owner: string, name: string): Promise<number> {
    const key = `${owner}/${name}`.toLowerCase();
    const known = this.installations.get(key);
    if (known) return known;
    const res = await githubCall(`finding the App installation of ${owner}/${name}`, () =>
      app.request('GET /repos/{owner}/{repo}/installation', { owner, repo: name, request: requestOptions() }),
    );
    const parsed = Installation.safeParse(res.data);
    if (!parsed.success) throw new ForgeApiError(`GitHub: the installation of ${owner}/${name} has no id`);
    this.installations.set(key, parsed.data.id);
    return parsed.data.id;
  }
}
