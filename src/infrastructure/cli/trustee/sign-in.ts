import { existsSync, readFileSync } from 'node:fs';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { SESSION_FILE, say, serverOf, type CommonOptions, type StoredSession } from './common.js';
import { GraphqlClient } from './graphql-client.js';
import { TrusteeFolder } from './key-files.js';
import { signIn } from './trustee-api.js';

export interface SignInOptions extends CommonOptions {
  username: string;
  passwordFile?: string;
}

export const PASSWORD_ENV = 'URNE_TRUSTEE_PASSWORD';

/**
 * `urne trustee sign-in --username U`: the password from --password-file, else the environment
 * (URNE_TRUSTEE_PASSWORD, for scripts), else typed at the terminal without echo. The session
 * token goes to <dir>/session.json (0600); the password is never stored.
 */
export async function signInCommand(options: SignInOptions): Promise<void> {
  const folder = new TrusteeFolder(options.dir);
  const server = serverOf(options, folder);
  const password = await readPassword(options);
  const session = await signIn(new GraphqlClient(server), options.username, password);
  if (session.role !== 'trustee') {
    process.stderr.write(`warning: "${options.username}" has the role ${session.role}, not trustee: the trustee's operations will be refused\n`);
  }
  const stored: StoredSession = { server, username: options.username, role: session.role, token: session.token, expiresAt: session.expiresAt };
  const file = folder.replace(SESSION_FILE, `${JSON.stringify(stored, null, 2)}\n`);
  say(`signed in to ${server} as "${options.username}" (${session.role}) until ${session.expiresAt}; session saved in ${file}`);
}

async function readPassword(options: SignInOptions): Promise<string> {
  if (options.passwordFile !== undefined) {
    if (!existsSync(options.passwordFile)) throw new CliError(`--password-file: ${options.passwordFile} does not exist`, EXIT_USAGE);
    // One trailing line break is the file's, not the password's.
    return readFileSync(options.passwordFile, 'utf8').replace(/\r?\n$/, '');
  }
  const fromEnvironment = process.env[PASSWORD_ENV];
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  if (!process.stdin.isTTY) throw new CliError(`no terminal to type the password in: use --password-file <file> or ${PASSWORD_ENV}`, EXIT_USAGE);
  return promptHidden(`password for ${options.username}: `);
}

/** Reads a line from the terminal in raw mode, echoing nothing. Ctrl-C or Ctrl-D cancel. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let password = '';
    const finish = (error?: CliError) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(password);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new CliError('sign-in cancelled'));
        if (char === '\u007f' || char === '\b') password = [...password].slice(0, -1).join('');
        else if (char >= ' ') password += char;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
