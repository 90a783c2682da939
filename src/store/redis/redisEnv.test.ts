import { describe, expect, it } from 'vitest';
import { redisSettings } from './redisEnv.js';

describe('redisSettings', () => {
  it('applies defaults and reads the tuning variables', () => {
    expect(redisSettings('redis://h:6379/0', undefined, {})).toEqual({
      url: 'redis://h:6379/0',
      prefix: '',
      claimIdleMs: 60_000,
      outputMaxLen: 100_000,
    });
    expect(
      redisSettings('rediss://u:p@h', 'app:', {
        DROVER_REDIS_CLAIM_IDLE: '5s',
        DROVER_REDIS_OUTPUT_MAXLEN: '500',
      }),
    ).toMatchObject({ prefix: 'app:', claimIdleMs: 5000, outputMaxLen: 500 });
  });

  it('names the flag or variable that is wrong', () => {
    expect(() => redisSettings('http://h', undefined, {})).toThrow(
      /--redis \/ DROVER_REDIS_URL: must be a redis:/,
    );
    expect(() => redisSettings('redis://h', 'a b', {})).toThrow(/--redis-prefix \/ DROVER_REDIS_PREFIX/);
    expect(() => redisSettings('redis://h', '', { DROVER_REDIS_CLAIM_IDLE: 'soon' })).toThrow(
      /DROVER_REDIS_CLAIM_IDLE: "soon" is not a duration/,
    );
    expect(() => redisSettings('redis://h', '', { DROVER_REDIS_OUTPUT_MAXLEN: '5' })).toThrow(
      /DROVER_REDIS_OUTPUT_MAXLEN/,
    );
  });
});
