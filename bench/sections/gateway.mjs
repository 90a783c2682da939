// 6. Model gateway: what putting Drover between an agent and its model costs. A Chat Completions
// upstream on loopback, the gateway (from the build under test) and the client each in their own
// process, as in production. Direct and through-the-gateway requests alternate in the same run, on
// kept-alive connections: time to the first response byte (p50/p99 over many small streamed answers)
// and the throughput of one long stream.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO } from '../lib/drover.mjs';
import { median, percentile, round } from '../lib/stats.mjs';

const require = createRequire(join(REPO, 'package.json'));
const { Agent, request } = require('undici');
const SERVERS = new URL('../lib/gatewayServers.mjs', import.meta.url).pathname;

/** Starts a gatewayServers.mjs child; resolves its first stdout line. */
function child(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SERVERS, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ proc, line: out.slice(0, nl).trim() });
    });
    proc.on('exit', (code) => reject(new Error(`gateway bench child ${args[0]} exited ${code}`)));
  });
}

export async function gateway({ quick, runs }) {
  const upstream = await child(['upstream']);
  const gw = await child(['gateway', upstream.line]);
  const [wireUrl, token] = gw.line.split(' ');
  const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 4 });
  const targets = {
    direct: { url: `${upstream.line}/v1/chat/completions`, auth: 'Bearer sk-bench-0123456789' },
    gateway: { url: `${wireUrl}/chat/completions`, auth: `Bearer ${token}` },
  };
  /** One streamed call: ms to the first body byte, ms to the end, bytes received. */
  const call = async (target, bytes) => {
    const body = JSON.stringify({
      model: 'gpt-4.1',
      stream: true,
      messages: [{ role: 'user', content: 'bench' }],
      metadata: { bytes: String(bytes) },
    });
    const t0 = performance.now();
    const res = await request(target.url, {
      method: 'POST',
      dispatcher,
      headers: { authorization: target.auth, 'content-type': 'application/json' },
      body,
    });
    let first;
    let received = 0;
    for await (const chunk of res.body) {
      first ??= performance.now() - t0;
      received += chunk.length;
    }
    if (res.statusCode !== 200) throw new Error(`${target.url}: HTTP ${res.statusCode}`);
    return { first, total: performance.now() - t0, received };
  };
  const rows = [];
  try {
    const n = quick ? 400 : 3000;
    const warmup = 100;
    const ttfb = { direct: [], gateway: [] };
    for (let i = 0; i < n + warmup; i++) {
      // Alternate which goes first so neither always meets a cold path.
      const order = i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
      for (const name of order) {
        const { first } = await call(targets[name], 0);
        if (i >= warmup) ttfb[name].push(first);
      }
    }
    const p = (name, q) => percentile(ttfb[name], q);
    rows.push({
      section: 'gateway',
      metric: `time to first byte, direct / through the gateway (p50, ${n} streamed calls each)`,
      value: `${round(p('direct', 50), 2)} / ${round(p('gateway', 50), 2)}`,
      unit: 'ms',
      detail: `added ${round(p('gateway', 50) - p('direct', 50), 2)} ms, ratio ${round(p('gateway', 50) / p('direct', 50), 2)}`,
    });
    rows.push({
      section: 'gateway',
      metric: 'time to first byte, direct / through the gateway (p99)',
      value: `${round(p('direct', 99), 2)} / ${round(p('gateway', 99), 2)}`,
      unit: 'ms',
      detail: `added ${round(p('gateway', 99) - p('direct', 99), 2)} ms, ratio ${round(p('gateway', 99) / p('direct', 99), 2)}`,
      target: '≤ 2 ms added',
    });

    const bytes = (quick ? 32 : 256) * 1024 * 1024;
    const rate = { direct: [], gateway: [] };
    for (let i = 0; i < runs + 1; i++) {
      for (const name of i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct']) {
        const { total, received } = await call(targets[name], bytes);
        if (i > 0) rate[name].push(received / 1024 / 1024 / (total / 1000));
      }
    }
    const direct = median(rate.direct);
    const through = median(rate.gateway);
    rows.push({
      section: 'gateway',
      metric: `one stream of ${bytes / 1024 / 1024} MiB, direct / through the gateway (median of ${runs})`,
      value: `${Math.round(direct)} / ${Math.round(through)}`,
      unit: 'MiB/s',
      detail: `ratio ${round(through / direct, 2)}`,
    });
  } finally {
    await dispatcher.close();
    gw.proc.kill();
    upstream.proc.kill();
  }
  return rows;
}
