// Scripted model servers (Anthropic, OpenAI Responses and Chat Completions, Gemini) and helpers to run the real CLIs.
export * from './anthropic.js';
export * from './cli.js';
export * from './gemini.js';
export type { ModelServer, RecordedRequest, Repeatable, Script } from './http.js';
export * from './openaiChat.js';
export * from './openaiResponses.js';
