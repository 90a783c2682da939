// The container image and Kubernetes manifests, checked against the code (no container engine or
// cluster runs here): every manifest parses, calls commands and flags the built CLI has, names only
// variables Drover reads, probes paths the real servers answer, and fits its grace periods; the
// Dockerfile's layout and the release workflow's paths are real; the image's installer and entrypoint
// run as uid 1000 in the image's layout (scripts/image-smoke.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { acceptedEnvNames } from '../../src/cli/acceptedEnv.js';
import { CALLBACK_DRAIN_MS } from '../../src/cli/callbackNotifier.js';
import { parseDuration } from '../../src/config/duration.js';
import { CONSUMER_GROUP, RedisKeys } from '../../src/store/redis/redisKeys.js';
import { parseListen } from '../../src/taskrunner/TaskServer.js';
import { DROVER_BIN, runDrover, spawnDrover } from '../support/drover.js';
import { waitFor } from '../support/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KILL_GRACE_MS = 5_000;

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML
type Doc = Record<string, any>;
interface Manifest {
  file: string;
  doc: Doc;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

const manifests: Manifest[] = yamlFiles(join(ROOT, 'deploy')).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: d.toJS() as Doc };
  }),
);
const ofKind = (kind: string) => manifests.filter((m) => m.doc?.kind === kind);

/** Pod specs of Deployments and of agent-sandbox SandboxTemplates. */
function podSpecs(): { file: string; name: string; kind: string; spec: Doc }[] {
  return manifests.flatMap(({ file, doc }) => {
    const spec =
      doc?.kind === 'Deployment'
        ? doc.spec?.template?.spec
        : doc?.kind === 'SandboxTemplate'
          ? doc.spec?.podTemplate?.spec
          : undefined;
    return spec ? [{ file, name: doc.metadata.name as string, kind: doc.kind as string, spec }] : [];
  });
}
const containerOf = (name: string): Doc => {
  const pod = podSpecs().find((p) => p.name === name);
  if (!pod) throw new Error(`no pod spec named ${name}`);
  return pod.spec.containers[0];
};
const flagValue = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('Kubernetes manifests', () => {
  it('parse, and every kustomization lists files that exist and the drover image', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const { file, doc } of manifests) {
      expect(doc?.apiVersion, file).toBeTruthy();
      expect(doc?.kind, file).toBeTruthy();
    }
    const kustomizations = ofKind('Kustomization');
    expect(kustomizations.map((k) => k.file.replace(ROOT, ''))).toEqual(
      expect.arrayContaining(['deploy/kubernetes/kustomization.yaml', 'deploy/shepherd/kustomization.yaml']),
    );
    for (const { file, doc } of kustomizations) {
      for (const res of doc.resources)
        expect(existsSync(resolve(file, '..', res)), `${file}: ${res}`).toBe(true);
      expect(doc.images.map((i: Doc) => i.name)).toEqual(['drover']);
    }
    for (const pod of podSpecs()) for (const c of pod.spec.containers) expect(c.image).toBe('drover');
  });

  it('call only commands and flags the built CLI has', async () => {
    const top = (await runDrover(['--help'])).stdout;
    const calls = podSpecs().map((p) => p.spec.containers[0].args as string[]);
    calls.push(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile())![1]!));
    expect(calls.map((a) => a[0]).sort()).toEqual(['serve', 'task-runner', 'task-runner', 'worker']);
    for (const args of calls) {
      const [command, ...rest] = args as [string, ...string[]];
      expect(top).toMatch(new RegExp(`^  ${command} `, 'm'));
      const help = (await runDrover([command, '--help'])).stdout;
      for (const flag of rest.filter((a) => a.startsWith('--')))
        expect(help, `${command} ${flag}`).toContain(flag.split('=')[0]);
    }
  });

  it('name only environment variables Drover reads', () => {
    const accepted = acceptedEnvNames();
    const names = new Set<string>();
    for (const pod of podSpecs()) {
      for (const c of pod.spec.containers) {
        for (const e of c.env ?? []) names.add(e.name);
        for (const from of c.envFrom ?? []) {
          const ref = from.configMapRef ?? from.secretRef;
          const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
          const source = ofKind(kind).find((m) => m.doc.metadata.name === ref.name);
          expect(source, `${pod.name}: ${kind} ${ref.name}`).toBeDefined();
          for (const key of Object.keys(source!.doc.data ?? source!.doc.stringData ?? {})) names.add(key);
        }
      }
    }
    for (const line of dockerfile().match(/^ENV .*$/gm) ?? [])
      for (const [, name] of line.matchAll(/([A-Z_][A-Z0-9_]*)=/g)) names.add(name!);
    expect(names.size).toBeGreaterThan(15);
    expect([...names].filter((n) => !accepted.has(n))).toEqual([]);
  });

  it('reference Secret keys that exist', () => {
    for (const pod of podSpecs()) {
      for (const e of pod.spec.containers[0].env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = ofKind('Secret').find((m) => m.doc.metadata.name === ref.name);
        expect(Object.keys(secret?.doc.stringData ?? {}), `${pod.name}: ${e.name}`).toContain(ref.key);
      }
    }
  });

  it('give workers, the server and the task runner grace periods that fit their drains', () => {
    const worker = podSpecs().find((p) => p.name === 'drover-worker')!;
    const drain = parseDuration(flagValue(containerOf('drover-worker').args, '--drain-timeout')!);
    const grace = worker.spec.terminationGracePeriodSeconds * 1000;
    expect(grace).toBeGreaterThanOrEqual(drain + KILL_GRACE_MS + CALLBACK_DRAIN_MS);
    expect(grace).toBeLessThanOrEqual(drain + 120_000);

    const serve = podSpecs().find((p) => p.name === 'drover-serve')!;
    const serveDrain = parseDuration(flagValue(containerOf('drover-serve').args, '--drain-timeout')!);
    expect(serve.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(serveDrain);

    const runner = podSpecs().find((p) => p.name === 'drover-runner')!;
    const env = Object.fromEntries(containerOf('drover-runner').env.map((e: Doc) => [e.name, e.value]));
    const needed = parseDuration(env.DROVER_TASK_SHUTDOWN_TIMEOUT) + parseDuration(env.DROVER_KILL_GRACE);
    expect(runner.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(needed);
    expect(runner.spec.restartPolicy).toBe('Never');
  });

  it('scale workers with KEDA on the lag and pending entries of the runners group of the job stream', () => {
    const [scaled] = ofKind('ScaledObject');
    expect(scaled!.doc.spec.scaleTargetRef.name).toBe('drover-worker');
    const concurrency = flagValue(containerOf('drover-worker').args, '--concurrency');
    const triggers = scaled!.doc.spec.triggers as Doc[];
    expect(triggers.map((t) => Object.keys(t.metadata).find((k) => k.endsWith('Count')))).toEqual([
      'lagCount',
      'pendingEntriesCount',
    ]);
    for (const t of triggers) {
      expect(t.type).toBe('redis-streams');
      expect(t.metadata.stream).toBe(new RedisKeys('').stream);
      expect(t.metadata.consumerGroup).toBe(CONSUMER_GROUP);
      expect(t.metadata.lagCount ?? t.metadata.pendingEntriesCount).toBe(concurrency);
      const auth = ofKind('TriggerAuthentication').find(
        (m) => m.doc.metadata.name === t.authenticationRef.name,
      );
      for (const ref of auth!.doc.spec.secretTargetRef) {
        const secret = ofKind('Secret').find((m) => m.doc.metadata.name === ref.name);
        expect(Object.keys(secret!.doc.stringData)).toContain(ref.key);
      }
    }
  });
});

describe('ports and probes against the real servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-e2e-deploy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function serveAndProbe(args: string[], url: (out: string) => string | undefined, paths: string[]) {
    const { child, done } = spawnDrover(args, {
      env: { DROVER_DATA_DIR: join(dir, args[0]!) },
      timeoutMs: 60_000,
    });
    let out = '';
    child.stdout!.on('data', (d: string) => (out += d));
    try {
      const base = await waitFor(() => url(out), 30_000, `${args[0]} to listen`);
      for (const path of paths)
        expect((await fetch(`${base}${path}`)).status, `${args[0]} ${path}`).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  }

  it('drover serve answers the Deployment probes on the container port its args choose', async () => {
    const c = containerOf('drover-serve');
    const port = c.ports.find((p: Doc) => p.name === 'http');
    expect(String(port.containerPort)).toBe(flagValue(c.args, '--port'));
    const service = ofKind('Service')[0]!.doc;
    expect(c.ports.map((p: Doc) => p.name)).toContain(service.spec.ports[0].targetPort);
    const probes = [c.readinessProbe, c.livenessProbe];
    expect(probes.map((p) => p.httpGet.port)).toEqual(['http', 'http']);
    expect(probes.map((p) => p.httpGet.path).sort()).toEqual(['/healthz', '/readyz']);
    await serveAndProbe(
      ['serve', '--host', '127.0.0.1', '--port', '0', '--no-workers'],
      (out) => /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1],
      probes.map((p) => p.httpGet.path),
    );
  }, 60_000);

  it('drover task-runner answers the SandboxTemplate probes on its listen port', async () => {
    const c = containerOf('drover-runner');
    const listen = c.env.find((e: Doc) => e.name === 'DROVER_TASK_LISTEN')?.value ?? ':8888';
    expect(c.ports[0].containerPort).toBe(parseListen(listen).port);
    expect(dockerfile()).toMatch(/^EXPOSE .*\b8888\b/m);
    const paths = [c.readinessProbe, c.livenessProbe].map((p) => p.httpGet.path);
    expect([c.readinessProbe.httpGet.port, c.livenessProbe.httpGet.port]).toEqual([
      c.ports[0].name,
      c.ports[0].name,
    ]);
    await serveAndProbe(
      ['task-runner', '--listen', '127.0.0.1:0'],
      (out) => /listening on (127\.0\.0\.1:\d+)/.exec(out)?.[1]?.replace(/^/, 'http://'),
      paths,
    );
  }, 60_000);
});

function dockerfile(): string {
  // Continuation lines joined, comments dropped: one instruction per line.
  return readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
}

describe('the image', () => {
  it('is built in stages from Node 20 slim and runs drover as uid 1000 with git, bubblewrap and CA certificates', () => {
    const text = dockerfile();
    expect(text).toMatch(/^ARG NODE_VERSION=20$/m);
    const froms = text.match(/^FROM .*$/gm)!;
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim\b/);
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    const apt = /apt-get install[^\n]*/.exec(runtime)![0];
    for (const pkg of ['git', 'bubblewrap', 'ca-certificates'])
      expect(apt).toMatch(new RegExp(`\\b${pkg}\\b`));
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toMatch(/^ARG AGENTS=|COPY --from=agents/m);
    expect(text).toMatch(/^ARG AGENTS="claude"$/m);
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(runtime)![1]!) as string[];
    expect(entrypoint.at(-1)).toBe('drover');
    expect(runtime).toMatch(/^HEALTHCHECK .*CMD \["node", "\/opt\/drover\/healthcheck\.mjs"\]$/m);
    // Every file the build copies or runs is in the repository and not ignored by .dockerignore.
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const must of ['node_modules', '.git', 'dist', '.drover']) expect(ignored).toContain(must);
    const needed = [
      'package.json',
      'package-lock.json',
      'deploy/docker/install-drover.mjs',
      'deploy/docker/healthcheck.mjs',
      'scripts/postbuild.mjs',
      'src',
      'tsconfig.json',
      'tsconfig.build.json',
    ];
    for (const path of needed) {
      expect(existsSync(join(ROOT, path)), path).toBe(true);
      expect(
        ignored.some((pattern) => path === pattern || path.startsWith(`${pattern}/`)),
        path,
      ).toBe(false);
    }
  });

  it('installs and runs as uid 1000 in the image layout (scripts/image-smoke.mjs)', () => {
    const res = spawnSync(process.execPath, [join(ROOT, 'scripts/image-smoke.mjs')], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(res.status, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('ok   drover --version');
    expect(res.stdout).toContain('ok   the image HEALTHCHECK passes against it');
    expect(res.stdout).toContain('ok   drover run succeeds as the image user');
    expect(existsSync(DROVER_BIN)).toBe(true);
  }, 180_000);
});

describe('the release workflow', () => {
  it('builds and pushes this Dockerfile on v* tags', () => {
    const wf = parseAllDocuments(
      readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8'),
    )[0]!.toJS() as Doc;
    expect(wf.on.push.tags).toEqual(['v*']);
    expect(wf.permissions.packages).toBe('write');
    const steps = Object.values(wf.jobs).flatMap((j) => (j as Doc).steps as Doc[]);
    const build = steps.find((s) => String(s.uses).startsWith('docker/build-push-action@'))!;
    expect(build.with.push).toBe(true);
    expect(existsSync(join(ROOT, build.with.context, build.with.file))).toBe(true);
    for (const agent of /AGENTS=(.*)/.exec(build.with['build-args'])![1]!.split(/[ ,]+/))
      expect(['claude', 'codex', 'gemini']).toContain(agent);
    for (const s of steps.filter((s) => s.uses)) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    expect(steps.some((s) => String(s.run).includes('--version'))).toBe(true);
  });
});

beforeAll(() => {
  if (!existsSync(DROVER_BIN)) throw new Error('npm run build first');
});
