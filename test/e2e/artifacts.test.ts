import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrover } from '../support/drover.js';
import { type BareRepo, createBareRepo } from '../support/gitRepos.js';
import { jobLog } from '../support/jobLog.js';
import {
  type AnthropicServer,
  CLAUDE_TEST_MODEL,
  startAnthropicServer,
} from '../support/models/anthropic.js';
import { cliBin } from '../support/models/cli.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, type S3Server, startS3Server } from '../support/s3Server.js';

const SECRET = 'sv-artifact-secret-9f8e7d6c5b4a3210';
const forms = (s: string) => [s, Buffer.from(s).toString('base64'), encodeURIComponent(`x${s}`).slice(1)];

let repo: BareRepo;
let dir: string;
let dataDir: string;
const secretEnv = { SECRET_VALUE: SECRET, DROVER_MASK_ENV: 'SECRET_VALUE', DROVER_AGENT_ENV: 'SECRET_VALUE' };

beforeAll(async () => {
  repo = await createBareRepo({ files: { 'README.md': '# artifacts\n' } });
  dir = mkdtempSync(join(tmpdir(), 'drover-e2e-artifacts-'));
  dataDir = join(dir, 'data');
});
afterAll(async () => {
  await repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A job whose agent, verify command and reviewer all print the secret (and the agent writes it to a file). */
async function leakyJob(env: Record<string, string>) {
  const res = await runDrover(
    [
      'run',
      '--repo',
      repo.bareDir,
      '--data-dir',
      dataDir,
      '--json',
      '--prompt',
      'Write the secret',
      '--agent-cmd',
      'echo "$SECRET_VALUE" > leaked.txt; echo "agent says $SECRET_VALUE"',
      '--verify',
      'echo "verify sees $SECRET_VALUE"',
      '--review',
      '--review-cmd',
      'echo "reviewer saw $SECRET_VALUE"; echo "REVIEW: PASS"',
    ],
    { env: { DROVER_WORK_DIR: join(dir, 'work'), ...secretEnv, ...env } },
  );
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as { id: string; commit: string };
}

const artifacts = (id: string, args: string[] = [], env: Record<string, string> = {}) =>
  runDrover(['artifacts', id, '--data-dir', dataDir, ...args], { env });

describe('artifacts', () => {
  it('stores the diff, log, reports and result.json under the data dir, all masked, and `drover artifacts` serves them', async () => {
    const job = await leakyJob({});
    const listed = JSON.parse((await artifacts(job.id, ['--json'])).stdout) as {
      name: string;
      size: number;
    }[];
    expect(listed.map((a) => a.name)).toEqual([
      'changes.diff',
      'log.txt',
      'result.json',
      'review-report.json',
      'verify-report.json',
      'verify-report.txt',
    ]);
    expect(listed.every((a) => a.size > 0)).toBe(true);
    expect(readdirSync(join(dataDir, 'artifacts', job.id)).sort()).toEqual(listed.map((a) => a.name));

    const out = join(dir, 'download');
    const saved = await artifacts(job.id, ['--out', out]);
    expect(saved.code).toBe(0);
    expect(saved.stdout.trim().split('\n')).toHaveLength(listed.length);
    for (const { name } of listed) {
      const text = readFileSync(join(out, name), 'utf8');
      for (const form of forms(SECRET)) expect(text, `${name} leaks the secret`).not.toContain(form);
    }
    const read = (name: string) => readFileSync(join(out, name), 'utf8');
    expect(read('changes.diff')).toContain('+++ b/leaked.txt\n@@ -0,0 +1 @@\n+***');
    expect(read('log.txt')).toContain('agent says ***');
    expect(read('log.txt')).toContain('reviewer saw ***');
    expect(read('log.txt')).toContain('--- Job succeeded');
    expect(read('verify-report.txt')).toContain('Verify round 1 (after agent): PASSED');
    expect(JSON.parse(read('result.json'))).toMatchObject({
      id: job.id,
      status: 'succeeded',
      commit: job.commit,
      verify: { ok: true, rounds: 1 },
      review: { outcome: 'PASS', cycles: 1 },
      artifacts: listed.map((a) => a.name),
    });
    // --get prints one artifact as stored.
    expect((await artifacts(job.id, ['--get', 'log.txt'])).stdout).toBe(read('log.txt'));
  });

  it('refuses bad names and unknown jobs or artifacts with a clear message', async () => {
    const job = await leakyJob({});
    const traversal = await artifacts(job.id, ['--get', '../drover.db']);
    expect(traversal.code).toBe(2);
    expect(traversal.stderr).toContain('--get: must be a plain file name');
    const unknown = await artifacts(job.id, ['--get', 'nope.txt']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      `Job ${job.id} has no artifact "nope.txt" (it has: changes.diff, log.txt`,
    );
    const noJob = await artifacts('nosuchjob0000');
    expect(noJob.code).toBe(2);
    expect(noJob.stderr).toContain('No job with id nosuchjob0000.');
  });

  describe('in an S3-compatible bucket', () => {
    let s3: S3Server;
    beforeAll(async () => {
      s3 = await startS3Server(['drover-artifacts']);
    });
    afterAll(async () => {
      await s3?.close();
    });
    const s3Env = () => ({
      DROVER_ARTIFACT_STORE: 's3://drover-artifacts/runs',
      DROVER_S3_ENDPOINT: s3.url,
      DROVER_S3_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
      DROVER_S3_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
    });

    it('uploads the artifacts as <prefix>/<job>/<name>, leaves no local copy, and serves them back', async () => {
      const job = await leakyJob(s3Env());
      expect(existsSync(join(dataDir, 'artifacts', job.id))).toBe(false);
      const client = new AwsClient({
        accessKeyId: S3_ACCESS_KEY_ID,
        secretAccessKey: S3_SECRET_ACCESS_KEY,
        service: 's3',
        region: 'us-east-1',
      });
      const listing = await (
        await client.fetch(
          `${s3.url}/drover-artifacts?list-type=2&prefix=${encodeURIComponent(`runs/${job.id}/`)}`,
        )
      ).text();
      const keys = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
      expect(keys).toContain(`runs/${job.id}/log.txt`);
      expect(keys).toContain(`runs/${job.id}/result.json`);

      const listed = await artifacts(job.id, [], s3Env());
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain('changes.diff');
      const result = await artifacts(job.id, ['--get', 'result.json'], s3Env());
      expect(JSON.parse(result.stdout)).toMatchObject({ id: job.id, status: 'succeeded' });
      const log = await artifacts(job.id, ['--get', 'log.txt'], s3Env());
      expect(log.stdout).toContain('verify sees ***');
      expect(log.stdout).not.toContain(SECRET);

      const denied = await artifacts(job.id, [], { ...s3Env(), DROVER_S3_ACCESS_KEY_ID: 'NOT-A-KEY' });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain(
        `S3: listing the artifacts of job ${job.id} in bucket drover-artifacts failed (HTTP 403 InvalidAccessKeyId`,
      );
    });

    it('refuses an incomplete or malformed artifact store configuration before running', async () => {
      const noKeys = await runDrover(
        ['run', '--repo', repo.bareDir, '--data-dir', dataDir, '--prompt', 'x', '--agent-cmd', 'true'],
        { env: { DROVER_ARTIFACT_STORE: 's3://drover-artifacts' } },
      );
      expect(noKeys.code).toBe(2);
      expect(noKeys.stderr).toContain('needs DROVER_S3_ACCESS_KEY_ID and DROVER_S3_SECRET_ACCESS_KEY');
      const badUrl = await runDrover(
        ['run', '--repo', repo.bareDir, '--data-dir', dataDir, '--prompt', 'x', '--agent-cmd', 'true'],
        { env: { DROVER_ARTIFACT_STORE: 'gcs://bucket' } },
      );
      expect(badUrl.code).toBe(2);
      expect(badUrl.stderr).toContain('DROVER_ARTIFACT_STORE: must be "fs" or s3://<bucket>[/<prefix>]');
    });
  });

  describe('with Claude Code', () => {
    const servers: AnthropicServer[] = [];
    afterAll(async () => {
      for (const s of servers) await s.close();
    });

    it('resumes the agent’s session for a fix round and keeps its transcript, masked', async () => {
      const srv = await startAnthropicServer([
        { toolUse: { name: 'Bash', input: { command: 'echo first > status.txt' } } },
        { text: `First attempt done; the key is ${SECRET}.` },
        { toolUse: { name: 'Bash', input: { command: 'echo good > status.txt' } } },
        { text: 'Fixed the check.' },
      ]);
      servers.push(srv);
      const res = await runDrover(
        [
          'run',
          '--repo',
          repo.bareDir,
          '--data-dir',
          dataDir,
          '--json',
          '--agent',
          'claude',
          '--model',
          CLAUDE_TEST_MODEL,
          '--prompt',
          'Make status.txt say good',
          '--verify',
          'grep -qx good status.txt',
        ],
        {
          env: {
            ...secretEnv,
            DROVER_WORK_DIR: join(dir, 'work'),
            HOME: join(dir, 'host-home'),
            ANTHROPIC_BASE_URL: srv.url,
            ANTHROPIC_API_KEY: 'sk-ant-artifacts-test-key-0123456789',
            CLAUDE_CODE_MAX_RETRIES: '0',
            CLAUDE_BIN: cliBin('claude'),
            DROVER_KILL_GRACE: '1s',
          },
          timeoutMs: 170_000,
        },
      );
      const job = JSON.parse(res.stdout);
      expect(job, res.stderr).toMatchObject({ status: 'succeeded', agent: 'claude' });
      expect(job.costUsd).toBeGreaterThan(0);
      // The fix round resumed the session: its first request carries the whole earlier conversation.
      const fixRequest = JSON.stringify(srv.requests[2]);
      expect(fixRequest).toContain('Make status.txt say good');
      expect(fixRequest).toContain('echo first > status.txt');
      expect(fixRequest).toContain('Verification failed (fix round 1 of 2)');
      expect(fixRequest).toContain('Command: grep -qx good status.txt');

      const log = await jobLog(job.id, dataDir);
      const sessions = log.filter((e) => e.type === 'agent.init').map((e) => e.data?.sessionId);
      expect(sessions).toHaveLength(2);
      const transcript = await artifacts(job.id, ['--get', 'transcript.jsonl']);
      expect(transcript.code).toBe(0);
      const lines = transcript.stdout.trim().split('\n');
      expect(lines.filter((l) => l.includes('"type":"result"'))).toHaveLength(2);
      expect(transcript.stdout).toContain('the key is ***');
      for (const form of forms(SECRET)) expect(transcript.stdout).not.toContain(form);
      expect(transcript.stdout).not.toContain('sk-ant-artifacts-test-key-0123456789');
      const result = JSON.parse((await artifacts(job.id, ['--get', 'result.json'])).stdout);
      expect(result.agentRuns).toHaveLength(2);
      expect(result.agentRuns[0].sessionId).toBeTruthy();
    }, 180_000);
  });
});
