// 6. Live event streams at load: 1,000 SSE subscribers on one job printing lines, against `drover
// serve` (the built CLI). Every subscriber must get every line once, in order; latency is the time from
// the agent printing a line (its timestamp is in the line) to a subscriber parsing it, over every
// (subscriber, line) pair; server peak RSS and CPU come from /proc. Two ways a job reaches the server:
// run by its embedded worker (output pushed in as it is stored) and run by a `drover worker` process
// on the same embedded store (one store poller per job). Baseline: the same job with one subscriber,
// measured in the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DROVER, droverEnv } from '../lib/drover.mjs';
import { generatedRepo } from '../lib/genRepo.mjs';
import { percentile, round } from '../lib/stats.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startProcess(args, env) {
  const child = spawn(process.execPath, [DROVER, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  return { child, out: () => out, err: () => err };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Peak VmRSS and CPU seconds (utime + stime) of a process, sampled every 100 ms. */
function sampleProcess(pid) {
  const ticks = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const cpu0 = ticks();
  let peak = 0;
  const sample = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb);
    } catch {}
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rssMb: round(peak / 1024, 0), cpuS: round((ticks() - cpu0) / 100, 1) };
    },
  };
}

/** One subscriber: parses the stream as it comes, timing each agent line. */
function subscribe(base, id, agent, lines) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    let expectedSeq = 0;
    let nextLine = 1;
    let inOrder = true;
    let buffer = '';
    const req = request(`${base}/api/jobs/${id}/events`, { agent }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`events: ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const now = Date.now();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const seq = /^id: (\d+)$/m.exec(block);
          if (seq) {
            const n = Number(seq[1]);
            if (expectedSeq && n !== expectedSeq + 1) inOrder = false;
            expectedSeq = n;
          }
          const line = /"line":"L (\d+) (\d+)"/.exec(block);
          if (line) {
            if (Number(line[1]) !== nextLine) inOrder = false;
            nextLine = Number(line[1]) + 1;
            latencies.push(now - Number(line[2]));
          }
        }
      });
      res.on('end', () => resolve({ latencies, complete: inOrder && nextLine === lines + 1 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function metric(base, name) {
  const res = await fetch(`${base}/metrics`);
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await res.text())?.[1] ?? 0);
}

async function measure({ mode, subscribers, lines, repoUrl, tmp }) {
  const dataDir = mkdtempSync(join(tmp, 'data-'));
  const env = droverEnv({
    DROVER_WORK_DIR: join(tmp, 'work'),
    DROVER_ALLOW_LOCAL_REPOS: tmpdir(),
    DROVER_DATA_DIR: dataDir,
  });
  const server = startProcess(
    ['serve', '--port', '0', '--concurrency', '1', ...(mode === 'polled' ? ['--no-workers'] : [])],
    env,
  );
  const worker = mode === 'polled' ? startProcess(['worker'], env) : undefined;
  try {
    let base;
    for (let i = 0; i < 600 && !base; i++) {
      base = /serving (http:\/\/[^/\s]+)\//.exec(server.out())?.[1];
      if (!base) await sleep(50);
    }
    if (!base) throw new Error(`drover serve did not start: ${server.err()}`);
    const go = join(tmp, `go-${mode}-${subscribers}`);
    // The agent waits until every subscriber is connected, then prints `L <n> <epoch ms>` every 5 ms.
    const agentCmd =
      `while [ ! -f ${go} ]; do sleep 0.05; done; ` +
      `node -e 'let i=0;const t=setInterval(()=>{i++;console.log("L "+i+" "+Date.now());if(i>=${lines})clearInterval(t)},5)'`;
    const created = await fetch(`${base}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        repo: repoUrl,
        prompt: 'SSE bench',
        agent: 'command',
        agentCmd,
        sandbox: 'none',
        push: false,
        allowNoChanges: true,
      }),
    });
    const job = await created.json();
    if (created.status !== 201) throw new Error(`POST /api/jobs: ${created.status} ${JSON.stringify(job)}`);
    const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
    const streams = Array.from({ length: subscribers }, () => subscribe(base, job.id, agent, lines));
    for (let i = 0; i < 1200 && (await metric(base, 'drover_sse_streams')) < subscribers; i++)
      await sleep(50);
    const pollers = await metric(base, 'drover_sse_job_pollers');
    const sampler = sampleProcess(server.child.pid);
    writeFileSync(go, '');
    const results = await Promise.all(streams);
    const usage = sampler.stop();
    agent.destroy();
    const all = results.flatMap((r) => r.latencies);
    return {
      complete: results.filter((r) => r.complete).length,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      pollers,
      ...usage,
    };
  } finally {
    if (worker) await stop(worker.child);
    await stop(server.child);
  }
}

export async function sse({ quick }) {
  const subscribers = quick ? 200 : 1000;
  const lines = quick ? 400 : 2000;
  const repoUrl = `file://${await generatedRepo({ files: 3, commits: 1 })}`;
  const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-sse-'));
  const rows = [];
  try {
    for (const mode of ['pushed', 'polled']) {
      const how = mode === 'pushed' ? 'job on the embedded worker' : 'job on a worker process (polled)';
      const one = await measure({ mode, subscribers: 1, lines, repoUrl, tmp });
      const many = await measure({ mode, subscribers, lines, repoUrl, tmp });
      rows.push({
        section: 'sse',
        metric: `baseline: 1 subscriber, ${how}: line latency p50 / p99`,
        value: `${one.p50} / ${one.p99}`,
        unit: 'ms',
        detail: `server RSS ${one.rssMb} MB, CPU ${one.cpuS} s; ${lines} lines at 200/s`,
      });
      rows.push({
        section: 'sse',
        metric: `${subscribers} subscribers, ${how}: line latency p50 / p99`,
        value: `${many.p50} / ${many.p99}`,
        unit: 'ms',
        detail: `${many.complete}/${subscribers} got every line in order; store pollers ${many.pollers}; server RSS ${many.rssMb} MB, CPU ${many.cpuS} s`,
        target: 'every subscriber complete; 1 poller',
      });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
