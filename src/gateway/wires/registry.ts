import type { ModelWireName } from '../../pipeline/ModelAccess.js';
import { anthropicWire } from './anthropic.js';
import { geminiWire } from './gemini.js';
import { openaiWire } from './openai.js';
import type { WireSpec } from './types.js';

export const WIRES: Record<ModelWireName, WireSpec> = {
  anthropic: anthropicWire,
  openai: openaiWire,
  gemini: geminiWire,
};
