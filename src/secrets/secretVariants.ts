/**
 * Secrets shorter than this are ignored, and so are variants shorter than this: masking a 1-3 character value
 * would shred ordinary output (every "abc" or "123" becomes `***`) while protecting nothing, since a value that
 * short can be guessed anyway.
 */
export const MIN_SECRET_LENGTH = 4;

/**
 * The forms in which `secret` can show up in output Drover writes: raw, URL-encoded, JSON-escaped, and the
 * base64/base64url text it produces anywhere inside an encoded blob (e.g. a Basic-auth header). Deduplicated;
 * empty when the secret is too short to mask.
 */
export function secretVariants(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const out = new Set<string>();
  const add = (variant: string | undefined): void => {
    if (variant !== undefined && variant.length >= MIN_SECRET_LENGTH) out.add(variant);
  };

  add(secret);

  const uri = tryEncodeUri(secret);
  if (uri !== undefined) {
    add(uri);
    // Some encoders emit lowercase hex escapes (%2f); the rest of the text is the same.
    add(uri.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
    // application/x-www-form-urlencoded: space as '+', and !'()~* escaped.
    add(new URLSearchParams({ s: secret }).toString().slice(2));
  }

  const json = JSON.stringify(secret).slice(1, -1);
  add(json);
  // Python's json.dumps escapes non-ASCII; Go's encoding/json escapes <, > and & for HTML safety.
  add(json.replace(/[\u0080-\uffff]/g, unicodeEscape));
  add(json.replace(/[<>&\u2028\u2029]/g, unicodeEscape));
  // JSON text nested in a JSON string (e.g. a tool result inside an agent's stream-json event).
  add(JSON.stringify(json).slice(1, -1));

  for (const variant of base64Variants(Buffer.from(secret, 'utf8'))) {
    add(variant);
    add(variant.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out];
}

/**
 * Base64 encodes 3 bytes as 4 characters, so a secret embedded in a blob encodes differently depending on its
 * byte offset mod 3. For each offset, keep only the characters whose 6 bits all come from the secret: the
 * leading ones mix in bits of the preceding bytes and the trailing ones bits of whatever follows.
 */
function base64Variants(bytes: Buffer): string[] {
  const variants: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    if (end > start) variants.push(encoded.slice(start, end));
  }
  return variants;
}

function tryEncodeUri(secret: string): string | undefined {
  try {
    return encodeURIComponent(secret);
  } catch {
    return undefined; // lone surrogate: no encoder can produce a URL form of it either
  }
}

function unicodeEscape(char: string): string {
  return '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0');
}
