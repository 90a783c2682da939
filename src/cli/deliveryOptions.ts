import type { Command } from 'commander';

/** Runner flags for delivery (not job spec fields: where PRs go and with which token is the operator's). */
export function addDeliveryOptions(cmd: Command): Command {
  return cmd
    .option(
      '--github-api-url <url>',
      'GitHub REST API base URL (env DROVER_GITHUB_API_URL; default https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise)',
    )
    .option(
      '--gitlab-api-url <url>',
      'GitLab instance or /api/v4 URL (env DROVER_GITLAB_API_URL; default the remote’s host)',
    );
}
