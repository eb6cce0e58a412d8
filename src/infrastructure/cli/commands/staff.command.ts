import type { Command } from 'commander';
import { randomBytes, randomUUID } from 'node:crypto';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { configFromEnvironment } from '../cli-context.js';

const ROLES = 'council, operator, trustee or auditor';
/** The actor recorded in the metadata of what `urne staff` writes. */
const CLI_ACTOR = 'system:cli';

/**
 * `urne staff add|list|set-role|disable|reset-password`: staff accounts, administered on the
 * server (whoever can run this can read the data folder anyway). Without --password-stdin a strong
 * password is generated and printed once on stdout (never logged, never stored in clear).
 */
export function registerStaffCommand(program: Command): void {
  const staff = program.command('staff').description('staff accounts (council, operator, trustee, auditor)');
  staff
    .command('add')
    .description('create a staff account; prints a generated password once unless --password-stdin')
    .requiredOption('--username <username>', 'the sign-in name: 2 to 64 lower-case letters, digits, . _ @ -')
    .requiredOption('--role <role>', `one of ${ROLES}`)
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(add);
  staff.command('list').description('list the staff accounts').action(list);
  staff
    .command('set-role')
    .description("change an account's role (its sessions end)")
    .requiredOption('--username <username>', 'the account')
    .requiredOption('--role <role>', `one of ${ROLES}`)
    .action(setRole);
  staff
    .command('disable')
    .description('disable an account for good (its sessions end)')
    .requiredOption('--username <username>', 'the account')
    .requiredOption('--reason <reason>', 'why, for the record')
    .action(disable);
  staff
    .command('reset-password')
    .description("set a new password (its sessions end); prints a generated one unless --password-stdin")
    .requiredOption('--username <username>', 'the account')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(resetPassword);
}

/** 18 random bytes in base64url: 24 characters, 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The staff handlers, wired by hand (no Nest application): the event store, the secrets store, the system clock. */
async function open() {
  const config = configFromEnvironment();
  const { createLogger } = await import('../../logging/create-logger.js');
  // Logs go to stderr at warn and above: stdout is for the result (and a generated password).
  const logger = createLogger({ logLevel: 'warn' }, process.stderr);
  const { createEventStore } = await import('../../event-store/create-event-store.js');
  const { openSecretsDatabase, loadAuthKeys } = await import('../../auth/secrets-database.js');
  const { SqliteSessionStore } = await import('../../auth/sqlite-session-store.js');
  const { SqliteStaffCredentials } = await import('../../auth/sqlite-staff-credentials.js');
  const { Argon2PasswordHasher } = await import('../../auth/argon2-password-hasher.js');
  const { systemClock } = await import('../../../application/ports/clock.js');
  const { StaffDirectory } = await import('../../../application/staff/staff-directory.js');

  const store = await createEventStore(config, logger);
  const db = openSecretsDatabase(config.secretsFile);
  const keys = loadAuthKeys(db, config.masterKey);
  const clock = systemClock;
  return {
    store,
    clock,
    credentials: new SqliteStaffCredentials(db, clock),
    hasher: new Argon2PasswordHasher(),
    sessions: new SqliteSessionStore(db, keys, clock, config.sessionTtlMinutes * 60_000).staff,
    directory: new StaffDirectory(store),
    close: async () => {
      db.close();
      await store.close();
    },
  };
}

type Services = Awaited<ReturnType<typeof open>>;

async function withServices<T>(run: (services: Services) => Promise<T>): Promise<T> {
  const services = await open();
  try {
    return await run(services);
  } catch (error) {
    const { DomainError } = await import('../../../domain/shared/decider.js');
    if (error instanceof DomainError) throw new CliError(`${error.message} (${error.code})`, EXIT_FAILURE);
    throw error;
  } finally {
    await services.close();
  }
}

/** Validates an input class with class-validator; a failure is a usage error naming every problem. */
async function validated<T extends object>(type: new () => T, plain: Record<string, unknown>): Promise<T> {
  const { plainToInstance } = await import('class-transformer');
  const { validateSync } = await import('class-validator');
  const input = plainToInstance(type, plain);
  const problems = validateSync(input).flatMap((error) => Object.values(error.constraints ?? {}));
  if (problems.length > 0) throw new CliError(problems.join('; '), EXIT_USAGE);
  return input;
}

async function readPassword(fromStdin: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: generatePassword(), generated: true };
  if (process.stdin.isTTY) throw new CliError('--password-stdin reads a piped password (e.g. from a password manager), not a terminal', EXIT_USAGE);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  // One trailing line break is the pipe's, not the password's.
  return { password: Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, ''), generated: false };
}

async function add(options: { username: string; role: string; passwordStdin?: boolean }): Promise<void> {
  const { CreateStaffAccountInput, CreateStaffAccountCommand } = await import('../../../application/staff/create-staff-account/create-staff-account.command.js');
  const { CreateStaffAccountHandler } = await import('../../../application/staff/create-staff-account/create-staff-account.handler.js');
  const { password, generated } = await readPassword(options.passwordStdin);
  const input = await validated(CreateStaffAccountInput, { username: options.username, role: options.role, password });
  const created = await withServices((s) =>
    new CreateStaffAccountHandler(s.store, s.hasher, s.credentials, s.clock).execute(new CreateStaffAccountCommand(randomUUID(), input, CLI_ACTOR)),
  );
  process.stdout.write(`created staff account "${created.username}" (${created.role}), id ${created.staffId}\n`);
  if (generated) {
    process.stdout.write(`password: ${password}\n`);
    process.stderr.write('The password is shown once and stored only as an argon2id hash: hand it over safely.\n');
  }
}

async function list(): Promise<void> {
  const accounts = await withServices((s) => s.directory.list());
  if (accounts.length === 0) {
    process.stdout.write('no staff account\n');
    return;
  }
  console.table(accounts.map((account) => ({ username: account.username, role: account.role, status: account.status, 'staff id': account.staffId, created: account.createdAt })));
}

async function setRole(options: { username: string; role: string }): Promise<void> {
  const { ChangeStaffRoleInput, ChangeStaffRoleCommand } = await import('../../../application/staff/change-staff-role/change-staff-role.command.js');
  const { ChangeStaffRoleHandler } = await import('../../../application/staff/change-staff-role/change-staff-role.handler.js');
  const input = await validated(ChangeStaffRoleInput, { username: options.username, role: options.role });
  const result = await withServices((s) =>
    new ChangeStaffRoleHandler(s.store, s.sessions, s.clock, s.directory).execute(new ChangeStaffRoleCommand(randomUUID(), input, CLI_ACTOR)),
  );
  process.stdout.write(result.changed ? `"${input.username}" is now ${input.role}; its sessions were ended\n` : `"${input.username}" already is ${input.role}\n`);
}

async function disable(options: { username: string; reason: string }): Promise<void> {
  const { DisableStaffAccountInput, DisableStaffAccountCommand } = await import('../../../application/staff/disable-staff-account/disable-staff-account.command.js');
  const { DisableStaffAccountHandler } = await import('../../../application/staff/disable-staff-account/disable-staff-account.handler.js');
  const input = await validated(DisableStaffAccountInput, { username: options.username, reason: options.reason });
  const result = await withServices((s) =>
    new DisableStaffAccountHandler(s.store, s.sessions, s.clock, s.directory).execute(new DisableStaffAccountCommand(randomUUID(), input, CLI_ACTOR)),
  );
  process.stdout.write(result.disabled ? `"${input.username}" is disabled; its sessions were ended\n` : `"${input.username}" was already disabled\n`);
}

async function resetPassword(options: { username: string; passwordStdin?: boolean }): Promise<void> {
  const { ResetStaffPasswordInput, ResetStaffPasswordCommand } = await import('../../../application/staff/reset-staff-password/reset-staff-password.command.js');
  const { ResetStaffPasswordHandler } = await import('../../../application/staff/reset-staff-password/reset-staff-password.handler.js');
  const { password, generated } = await readPassword(options.passwordStdin);
  const input = await validated(ResetStaffPasswordInput, { username: options.username, password });
  await withServices((s) =>
    new ResetStaffPasswordHandler(s.store, s.hasher, s.credentials, s.sessions, s.clock, s.directory).execute(new ResetStaffPasswordCommand(randomUUID(), input, CLI_ACTOR)),
  );
  process.stdout.write(`new password set for "${input.username}"; its sessions were ended\n`);
  if (generated) {
    process.stdout.write(`password: ${password}\n`);
    process.stderr.write('The password is shown once and stored only as an argon2id hash: hand it over safely.\n');
  }
}
