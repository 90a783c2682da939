import { createHash, timingSafeEqual } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';

/**
 * GitHub: `X-Hub-Signature-256` is `sha256=` + HMAC-SHA256 of the raw body with the webhook secret,
 * checked by @octokit/webhooks in constant time. The body must be the exact bytes GitHub sent.
 */
export function gitHubVerifier(
  secret: string,
): (raw: Buffer, signature: string | undefined) => Promise<boolean> {
  const webhooks = new Webhooks({ secret });
  return async (raw, signature) => {
    if (!signature || raw.length === 0) return false;
    const text = raw.toString('utf8');
    // Bytes that are not UTF-8 would not survive the string round trip: never accept them.
    if (!Buffer.from(text, 'utf8').equals(raw)) return false;
    try {
      return await webhooks.verify(text, signature);
    } catch {
      return false;
    }
  };
}

/** GitLab: `X-Gitlab-Token` equals the secret; digests compared in constant time (length included). */
export function gitLabVerifier(secret: string): (token: string | undefined) => boolean {
  const expected = createHash('sha256').update(secret, 'utf8').digest();
  return (token) => {
    if (!token) return false;
    return timingSafeEqual(createHash('sha256').update(token, 'utf8').digest(), expected);
  };
}
