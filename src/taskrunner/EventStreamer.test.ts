import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../errors.js';
import { EventStreamer, type PendingEvent } from './EventStreamer.js';
import type { TaskEvent } from './TaskData.js';
import { parseListen } from './TaskServer.js';
import { taskPrompt } from './taskPrompt.js';

const logger = pino({ level: 'silent' });
const event = (i: number): PendingEvent => ({
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  type: 'thinking',
  summary: `event ${i}`,
});

describe('EventStreamer', () => {
  it('never waits on a stalled API: the buffer is bounded, the oldest are dropped and the drop is announced', async () => {
    const batches: TaskEvent[][] = [];
    let release: () => void = () => {};
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let firstPost: () => void = () => {};
    const posting = new Promise<void>((resolve) => (firstPost = resolve));
    const streamer = new EventStreamer({
      logger,
      capacity: 5,
      batchSize: 3,
      lingerMs: 1,
      post: async (events) => {
        calls++;
        if (calls === 1) {
          firstPost();
          await stalled; // the API hangs on the first batch
        }
        batches.push(events);
      },
    });
    streamer.push(event(1));
    // While the first post hangs, 20 more arrive: push() returns at once every time.
    await posting;
    for (let i = 2; i <= 21; i++) expect(streamer.push(event(i))).toBeUndefined();
    release();
    await streamer.close(Date.now() + 5_000);

    const sent = batches.flat();
    expect(sent.map((e) => e.sequence)).toEqual(sent.map((_, i) => i + 1));
    expect(sent[0]!.summary).toBe('event 1');
    const marker = sent.find((e) => e.metadata?.dropped !== undefined);
    expect(marker).toMatchObject({ type: 'thinking', metadata: { dropped: 15 } });
    expect(marker!.summary).toContain('15 earlier agent event(s) were dropped');
    // The newest five survived, in order, after the marker.
    expect(sent.slice(sent.indexOf(marker!) + 1).map((e) => e.summary)).toEqual(
      [17, 18, 19, 20, 21].map((i) => `event ${i}`),
    );
    expect(streamer.lost).toBe(15);
    expect(streamer.sent).toBe(sent.length);
  });

  it('stops streaming once the control plane says the task is over (410)', async () => {
    let posts = 0;
    const streamer = new EventStreamer({
      logger,
      batchSize: 2,
      lingerMs: 1,
      post: async () => {
        posts++;
        throw new ControlPlaneError('HTTP 410: task is terminal', 410);
      },
    });
    streamer.push(event(1));
    streamer.push(event(2));
    await new Promise((r) => setTimeout(r, 30));
    streamer.push(event(3));
    await streamer.close(Date.now() + 2_000);
    expect(posts).toBe(1);
    expect(streamer.sent).toBe(0);
  });

  it('gives up on what is left at the close deadline', async () => {
    const streamer = new EventStreamer({
      logger,
      lingerMs: 1,
      post: (_events, signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    streamer.push(event(1));
    streamer.push(event(2));
    await streamer.close(Date.now() + 50);
    expect(streamer.sent).toBe(0);
    expect(streamer.lost).toBe(2);
  });
});

describe('task prompt and listen address', () => {
  const data = {
    description: 'Fix the login redirect\n\nUsers land on /404.',
    context: 'Reported in #42.',
    sourceURL: 'https://github.com/acme/app/issues/42',
    repo: { url: 'https://github.com/acme/app.git' },
  };

  it('renders description first, then context and source, leaving out what is empty', () => {
    const prompt = taskPrompt({ taskID: 't1', data });
    expect(prompt.split('\n')[0]).toBe('Fix the login redirect');
    expect(prompt).toContain('## Context\n\nReported in #42.');
    expect(prompt).toContain('Source: https://github.com/acme/app/issues/42');
    const bare = taskPrompt({ taskID: 't1', data: { ...data, context: '', sourceURL: null } });
    expect(bare).not.toContain('## Context');
    expect(bare).not.toContain('Source:');
  });

  it('substitutes a custom template in one pass and keeps the prompt within the spec limit', () => {
    const prompt = taskPrompt({
      taskID: 't1',
      data: { ...data, description: 'Do {context}' },
      template: '[{taskID}] {description} @ {repo}',
    });
    expect(prompt).toBe('[t1] Do {context} @ https://github.com/acme/app.git');
    const huge = taskPrompt({ taskID: 't1', data: { ...data, context: 'x'.repeat(300_000) } });
    expect(huge.length).toBeLessThanOrEqual(200_000);
    expect(huge).toContain('[context shortened to fit the prompt limit]');
  });

  it('parses listen addresses like Go does (:8888 is every interface)', () => {
    expect(parseListen(':8888')).toEqual({ host: '', port: 8888 });
    expect(parseListen('8888')).toEqual({ host: '', port: 8888 });
    expect(parseListen('0.0.0.0:9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('localhost')).toThrow(/--listen/);
    expect(() => parseListen(':99999')).toThrow(/--listen/);
  });
});
