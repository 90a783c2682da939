import { describe, expect, it } from 'vitest';
import { isDroverComment, mentions } from './mention.js';

describe('mentions', () => {
  it('finds the mention as a word of its own, in any case', () => {
    expect(mentions('@drover fix the flaky date test', '@drover')).toBe(true);
    expect(mentions('Please, @Drover: also handle leap years.', '@drover')).toBe(true);
    expect(mentions('thanks\n\n@drover address the review', '@drover')).toBe(true);
    expect(mentions('(@drover)', '@drover')).toBe(true);
  });

  it('ignores other names, e-mail addresses, quotes and code', () => {
    expect(mentions('@drover-bot do it', '@drover')).toBe(false);
    expect(mentions('@drovers do it', '@drover')).toBe(false);
    expect(mentions('mail me at me@drover.dev', '@drover')).toBe(false);
    expect(mentions('see @drover.dev', '@drover')).toBe(false);
    expect(mentions('> @drover fix it\n\nI disagree with that', '@drover')).toBe(false);
    expect(mentions('run `@drover fix` to ask it', '@drover')).toBe(false);
    expect(mentions('```\n@drover fix\n```\nexample above', '@drover')).toBe(false);
    expect(mentions('~~~md\n@drover fix\n', '@drover')).toBe(false);
    expect(mentions('nothing here', '@drover')).toBe(false);
  });

  it('works with another configured mention', () => {
    expect(mentions('@acme-bot please fix', '@acme-bot')).toBe(true);
    expect(mentions('@acme-bot2 please fix', '@acme-bot')).toBe(false);
  });

  it('tells Drover’s own comments by their marker', () => {
    expect(isDroverComment('👀 Drover is on it\n<!-- drover:task abc -->')).toBe(true);
    expect(isDroverComment('@drover fix')).toBe(false);
  });
});
