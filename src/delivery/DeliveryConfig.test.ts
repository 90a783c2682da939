import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidInputError } from '../errors.js';
import { deliveryEnvFromFlags, loadDeliveryConfig } from './DeliveryConfig.js';

describe('delivery config', () => {
  it('reads API URLs (trailing slash dropped), tokens and the public URL; blank means unset', () => {
    expect(
      loadDeliveryConfig({
        DROVER_GITHUB_API_URL: 'https://ghe.example/api/v3/',
        DROVER_GITHUB_TOKEN: 'ghp_x',
        DROVER_GITLAB_API_URL: '',
        DROVER_PUBLIC_URL: 'https://drover.example',
      }),
    ).toEqual({
      githubApiUrl: 'https://ghe.example/api/v3',
      githubToken: 'ghp_x',
      publicUrl: 'https://drover.example',
    });
  });

  it('names the bad variable or flag', () => {
    expect(() => loadDeliveryConfig({ DROVER_PUBLIC_URL: 'drover.example' })).toThrow(
      new ConfigError('Invalid environment: DROVER_PUBLIC_URL: must be an http(s) URL'),
    );
    expect(() => deliveryEnvFromFlags({ gitlabApiUrl: 'ftp://x' }, {})).toThrow(InvalidInputError);
    expect(() => deliveryEnvFromFlags({ gitlabApiUrl: 'ftp://x' }, {})).toThrow(
      '--gitlab-api-url: must be an http(s) URL',
    );
  });

  it('turns flags into environment overrides', () => {
    expect(deliveryEnvFromFlags({ githubApiUrl: 'http://127.0.0.1:9/' }, {})).toEqual({
      DROVER_GITHUB_API_URL: 'http://127.0.0.1:9',
    });
  });
});
