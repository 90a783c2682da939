import { type Command, Option } from 'commander';
import { ConfigError, InvalidInputError } from '../errors.js';
import { JobSpec } from '../jobs/JobSpec.js';
import { MODEL_WIRES } from '../pipeline/ModelAccess.js';
import { parseSecretKey, sealToken } from '../secrets/tokenVault.js';
import { RedisStore } from '../store/RedisStore.js';
import { EXIT } from './exitCodes.js';
import { addStoreOptions, openStoreFromFlags, type StoreFlags } from './storeOptions.js';

interface SecretFlags extends StoreFlags {
  user: string;
}

const MAX_TOKEN_BYTES = 16 * 1024;
const NEEDS_REDIS = 'secrets: per-user git tokens need the Redis backend (--redis <url> or DROVER_REDIS_URL)';

function checkUser(user: string): void {
  const result = JobSpec.shape.userId.safeParse(user);
  if (!result.success) {
    const message = result.error.issues[0]?.message ?? 'is not a user id';
    throw new InvalidInputError(`--user: ${message}`, [{ path: '--user', message }]);
  }
}

/** The token from stdin (never argv, where other users and shell history would see it). */
async function readTokenFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Paste the token, then press Enter and Ctrl-D:\n');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_TOKEN_BYTES) {
      throw new InvalidInputError('token: longer than 16 KiB', [
        { path: 'token', message: 'longer than 16 KiB' },
      ]);
    }
    chunks.push(chunk as Buffer);
  }
  const token = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!token.trim() || /[\r\n]/.test(token)) {
    const message = token.trim() ? 'must be a single line' : 'stdin was empty; pipe the token in';
    throw new InvalidInputError(`token: ${message}`, [{ path: 'token', message }]);
  }
  return token;
}

async function openRedis(flags: SecretFlags): Promise<RedisStore> {
  if (!(flags.redis ?? process.env.DROVER_REDIS_URL)) throw new ConfigError(NEEDS_REDIS);
  const { store } = await openStoreFromFlags(flags);
  if (store instanceof RedisStore) return store;
  await store.close();
  throw new ConfigError(NEEDS_REDIS);
}

/** Runs act on the Redis store and prints what it says; the store is closed whatever happens. */
async function withRedis(flags: SecretFlags, act: (store: RedisStore) => Promise<string>): Promise<void> {
  checkUser(flags.user);
  const store = await openRedis(flags);
  try {
    process.stdout.write(`${await act(store)}\n`);
    process.exitCode = EXIT.ok;
  } finally {
    await store.close();
  }
}

/** Reads a token from stdin, seals it with DROVER_SECRET_KEY and hands it to save. */
async function storeSealed(
  flags: SecretFlags,
  save: (store: RedisStore, sealed: ReturnType<typeof sealToken>) => Promise<string>,
): Promise<void> {
  checkUser(flags.user);
  const key = parseSecretKey(process.env.DROVER_SECRET_KEY);
  await withRedis(flags, async (store) => save(store, sealToken(key, await readTokenFromStdin())));
}

export function registerSecrets(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('per-user git tokens and model API keys (Redis backend)');
  secrets.exitOverride();

  const set = secrets
    .command('set-git-token')
    .description(
      'store a user’s git token, read from stdin, encrypted with DROVER_SECRET_KEY at user:{id}:git_token',
    )
    .requiredOption('--user <id>', 'the userId jobs name in their spec');
  addStoreOptions(set).action((flags: SecretFlags) =>
    storeSealed(flags, async (store, sealed) => {
      await store.setUserGitToken(flags.user, sealed);
      return `Stored the git token of user ${flags.user} (${store.keys.userGitToken(flags.user)})`;
    }),
  );

  const remove = secrets
    .command('delete-git-token')
    .description('remove a user’s stored git token')
    .requiredOption('--user <id>', 'the user id');
  addStoreOptions(remove).action((flags: SecretFlags) =>
    withRedis(flags, async (store) =>
      (await store.deleteUserGitToken(flags.user))
        ? `Deleted the git token of user ${flags.user}`
        : `No token for ${flags.user}`,
    ),
  );
  registerModelKeyCommands(secrets);
  for (const cmd of secrets.commands) cmd.exitOverride();
}

interface ModelKeyFlags extends SecretFlags {
  provider: string;
}

/** A user's own model API keys, used by the model gateway for the jobs that name the user. */
function registerModelKeyCommands(secrets: Command): void {
  const provider = () =>
    new Option('--provider <name>', 'whose API the key is for')
      .choices([...MODEL_WIRES])
      .makeOptionMandatory();
  const set = secrets
    .command('set-model-key')
    .description(
      'store a user’s model API key, read from stdin, encrypted with DROVER_SECRET_KEY at user:{id}:model_key:{provider}',
    )
    .requiredOption('--user <id>', 'the userId jobs name in their spec')
    .addOption(provider());
  addStoreOptions(set).action((flags: ModelKeyFlags) =>
    storeSealed(flags, async (store, sealed) => {
      await store.setUserModelKey(flags.user, flags.provider, sealed);
      return `Stored the ${flags.provider} key of user ${flags.user} (${store.keys.userModelKey(flags.user, flags.provider)})`;
    }),
  );
  const remove = secrets
    .command('delete-model-key')
    .description('remove a user’s stored model API key')
    .requiredOption('--user <id>', 'the user id')
    .addOption(provider());
  addStoreOptions(remove).action((flags: ModelKeyFlags) =>
    withRedis(flags, async (store) =>
      (await store.deleteUserModelKey(flags.user, flags.provider))
        ? `Deleted the ${flags.provider} key of user ${flags.user}`
        : `No ${flags.provider} key for ${flags.user}`,
    ),
  );
}
