/**
 * Linux limits one argv string to 128 KiB (MAX_ARG_STRLEN); a longer prompt makes spawn fail with
 * E2BIG. Adapters that take the prompt as an argument switch to stdin above this size.
 */
export const MAX_PROMPT_ARG_BYTES = 96 * 1024;

export function fitsInArgv(prompt: string): boolean {
  return Buffer.byteLength(prompt, 'utf8') <= MAX_PROMPT_ARG_BYTES;
}
