import type { Command } from 'commander';
import { defaultDataDir } from '../config/dataDir.js';
import { defaultWorkRoot } from '../workspace/Workspace.js';
import { colorFor } from './colorMode.js';
import { configFromFlags } from './configFromFlags.js';
import { EXIT } from './exitCodes.js';
import { paint } from './formatEntry.js';
import { addStoreOptions, type StoreFlags } from './storeOptions.js';
import { version } from './version.js';

interface DoctorFlags extends StoreFlags {
  json?: boolean;
}

export function registerDoctor(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('check what a runner needs here (git, sandbox, agents, keys, store, disk) and how to fix it')
    .option('--json', 'print {ok, checks: [{name, status, detail, fix}]} as JSON');
  addStoreOptions(cmd).action(async (flags: DoctorFlags) => {
    const { runDoctor } = await import('../doctor/runDoctor.js');
    const checks = [];
    // A configuration error is itself a finding; the other checks still run with the defaults.
    let dataDir = flags.dataDir ?? process.env.DROVER_DATA_DIR ?? defaultDataDir();
    let sandboxDefault = process.env.DROVER_SANDBOX ?? 'auto';
    try {
      const config = configFromFlags(flags);
      dataDir = config.dataDir;
      sandboxDefault = config.sandboxDefault ?? 'auto';
      checks.push({ name: 'config', status: 'ok' as const, detail: 'the DROVER_* environment is valid' });
    } catch (err) {
      checks.push({
        name: 'config',
        status: 'fail' as const,
        detail: (err as Error).message,
        fix: 'fix the variable named',
      });
    }
    const redisUrl = flags.redis ?? process.env.DROVER_REDIS_URL;
    const redisPrefix = flags.redisPrefix ?? process.env.DROVER_REDIS_PREFIX;
    checks.push(
      ...(await runDoctor({
        env: process.env,
        dataDir,
        workDir: defaultWorkRoot(),
        sandboxDefault,
        ...(redisUrl ? { redisUrl } : {}),
        ...(redisPrefix ? { redisPrefix } : {}),
      })),
    );
    const failed = checks.filter((c) => c.status === 'fail').length;
    const warned = checks.filter((c) => c.status === 'warn').length;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ok: failed === 0, version: version(), checks })}\n`);
    } else {
      const color = colorFor(process.stdout);
      const mark = {
        ok: paint('✓', 'green', color),
        warn: paint('!', 'yellow', color),
        fail: paint('✗', 'red', color),
      };
      const width = Math.max(...checks.map((c) => c.name.length));
      let text = `Drover ${version()} doctor\n`;
      for (const c of checks) {
        text += `${mark[c.status]} ${c.name.padEnd(width)}  ${c.detail}\n`;
        if (c.fix && c.status !== 'ok')
          text += `  ${' '.repeat(width)}  ${paint(`fix: ${c.fix}`, 'dim', color)}\n`;
      }
      text += failed
        ? paint(
            `${failed} required check${failed === 1 ? '' : 's'} failed${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}.`,
            'red',
            color,
          )
        : `All required checks passed${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`;
      process.stdout.write(`${text}\n`);
    }
    process.exitCode = failed ? EXIT.failed : EXIT.ok;
  });
}
