import { createRequire } from 'node:module';

let parse: ((text: string) => unknown) | undefined;

/**
 * YAML.parse, loaded on first use: only jobs with a config file or playbook need it, and every CLI
 * command paid its load time (~40 ms) at startup otherwise.
 */
export function parseYaml(text: string): unknown {
  parse ??= (createRequire(import.meta.url)('yaml') as { parse: (text: string) => unknown }).parse;
  return parse(text);
}
