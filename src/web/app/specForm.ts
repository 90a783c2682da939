/** The submit form's fields (all strings or booleans, as the inputs hold them) and the job spec they make. */
export interface Fields {
  repo: string;
  baseRef: string;
  branch: string;
  prompt: string;
  agent: string;
  agentCmd: string;
  model: string;
  timeout: string;
  idleTimeout: string;
  maxTurns: string;
  maxCostUsd: string;
  sandbox: string;
  environment: string;
  verify: string;
  /** Sends `verify: []`: no test gate even if the repo configures one. */
  noVerify: boolean;
  fixRounds: string;
  push: boolean;
  allowNoChanges: boolean;
  resetBranch: boolean;
  pr: boolean;
  prOnFailure: boolean;
  prProvider: string;
  review: boolean;
  reviewAgent: string;
  reviewCmd: string;
  reviewCycles: string;
}

export const INITIAL: Fields = {
  repo: '',
  baseRef: '',
  branch: '',
  prompt: '',
  agent: 'claude',
  agentCmd: '',
  model: '',
  timeout: '',
  idleTimeout: '',
  maxTurns: '',
  maxCostUsd: '',
  sandbox: '',
  environment: '',
  verify: '',
  noVerify: false,
  fixRounds: '',
  push: true,
  allowNoChanges: false,
  resetBranch: false,
  pr: false,
  prOnFailure: false,
  prProvider: '',
  review: false,
  reviewAgent: '',
  reviewCmd: '',
  reviewCycles: '',
};

/** Fields under "Advanced options" (opened when one of them is set or has an error). */
export const ADVANCED: readonly (keyof Fields)[] = [
  'branch',
  'timeout',
  'idleTimeout',
  'maxTurns',
  'maxCostUsd',
  'sandbox',
  'environment',
  'verify',
  'noVerify',
  'fixRounds',
  'allowNoChanges',
  'resetBranch',
  'pr',
  'prOnFailure',
  'prProvider',
  'review',
  'reviewAgent',
  'reviewCmd',
  'reviewCycles',
];

const TEXT = [
  'baseRef',
  'branch',
  'model',
  'timeout',
  'idleTimeout',
  'sandbox',
  'environment',
  'prProvider',
] as const;
const NUMBERS = ['maxTurns', 'maxCostUsd', 'fixRounds', 'reviewCycles'] as const;
const FLAGS = ['allowNoChanges', 'resetBranch', 'pr', 'prOnFailure', 'review'] as const;

/** Form fields → job spec: empty fields are left out so the repo defaults and server defaults apply. */
export function toSpec(f: Fields): Record<string, unknown> {
  const spec: Record<string, unknown> = { repo: f.repo.trim(), prompt: f.prompt, agent: f.agent };
  for (const k of TEXT) if (f[k].trim()) spec[k] = f[k].trim();
  if (f.agent === 'command' && f.agentCmd.trim()) spec.agentCmd = f.agentCmd;
  // Numbers the user typed are sent as numbers; anything else is sent as is so the server names the field.
  for (const k of NUMBERS) {
    const v = f[k].trim();
    if (v) spec[k] = Number.isFinite(Number(v)) ? Number(v) : v;
  }
  const verify = f.verify
    .split('\n')
    .map((c) => c.trim())
    .filter(Boolean);
  if (f.noVerify) spec.verify = [];
  else if (verify.length) spec.verify = verify;
  if (!f.push) spec.push = false;
  for (const k of FLAGS) if (f[k]) spec[k] = true;
  if (f.review) {
    if (f.reviewAgent) spec.reviewAgent = f.reviewAgent;
    if (f.reviewCmd.trim()) spec.reviewCmd = f.reviewCmd;
  }
  return spec;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** A stored job spec → form fields ("Edit and re-run"); fields the form does not know are dropped. */
export function fromSpec(spec: Record<string, unknown>): Fields {
  const f: Fields = { ...INITIAL };
  for (const k of ['repo', 'prompt', 'agentCmd', 'reviewAgent', 'reviewCmd', ...TEXT, ...NUMBERS] as const) {
    f[k] = str(spec[k]);
  }
  if (typeof spec.agent === 'string') f.agent = spec.agent;
  for (const k of FLAGS) f[k] = spec[k] === true;
  f.push = spec.push !== false;
  if (Array.isArray(spec.verify)) {
    f.verify = spec.verify.filter((c) => typeof c === 'string').join('\n');
    f.noVerify = spec.verify.length === 0;
  }
  return f;
}

/** The form field an issue path belongs to (`verify.2` → `verify`). */
export const fieldOf = (path: string): string => path.split('.')[0] ?? path;
