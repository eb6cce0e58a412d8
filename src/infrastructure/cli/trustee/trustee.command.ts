import type { Command } from 'commander';
import { DEFAULT_SERVER } from './graphql-client.js';

/**
 * `urne trustee …`: the trustees' tool. Each trustee keeps their secrets in a local folder
 * (--dir, default ./trustee, 0700; files 0600) and talks to the server over GraphQL (--server).
 * The sub-commands' code is loaded when one runs (one file each in this folder).
 */
export function registerTrusteeCommand(program: Command): void {
  const trustee = program.command('trustee').description("the trustees' key ceremony and decryption, against a running server");

  withCommonOptions(trustee.command('sign-in'))
    .description('sign in with a staff account of role trustee; the session goes to <dir>/session.json')
    .requiredOption('--username <username>', 'your staff account')
    .option('--password-file <file>', 'read the password from this file (else URNE_TRUSTEE_PASSWORD, else it is typed without echo)')
    .action(lazy(async () => (await import('./sign-in.js')).signInCommand));

  withRoundOptions(trustee.command('generate-key'))
    .description('make your key pair for a round ("Single" trustee), save it in <dir> and submit the public key')
    .option('--no-submit', 'only make and save the key (then "urne trustee submit-key")')
    .action(lazy(async () => (await import('./generate-key.js')).generateKeyCommand));

  withRoundOptions(trustee.command('submit-key'))
    .description('submit the public key made by generate-key --no-submit')
    .action(lazy(async () => (await import('./submit-key.js')).submitKeyCommand));

  withRoundOptions(trustee.command('check'))
    .description('check that the published trustees and election key contain your key')
    .action(lazy(async () => (await import('./check.js')).checkCommand));

  withRoundOptions(trustee.command('decrypt'))
    .description('compute and submit your partial decryption of the encrypted tally')
    .action(lazy(async () => (await import('./decrypt.js')).decryptCommand));

  withRoundOptions(trustee.command('threshold-certificate'))
    .description('threshold group, step 1: make your seed and submit your certificate')
    .action(lazy(async () => (await import('./threshold-certificate.js')).thresholdCertificateCommand));

  withRoundOptions(trustee.command('threshold-polynomial'))
    .description('threshold group, step 2 (once every certificate is in): submit your polynomial')
    .option('--threshold <n>', 'how many trustees of the group are needed to decrypt (default: the round\'s plan, from the server)')
    .action(lazy(async () => (await import('./threshold-polynomial.js')).thresholdPolynomialCommand));

  withRoundOptions(trustee.command('threshold-voutput'))
    .description('threshold group, step 3 (once every polynomial is in): derive your key share and submit its verification key')
    .action(lazy(async () => (await import('./threshold-voutput.js')).thresholdVoutputCommand));
}

function withCommonOptions(command: Command): Command {
  return command
    .option('--server <url>', `the Urne GraphQL address (default: the one signed in to, else ${DEFAULT_SERVER})`)
    .option('--dir <folder>', "the folder holding your trustee files (made 0700, files 0600)", './trustee');
}

function withRoundOptions(command: Command): Command {
  return withCommonOptions(command).requiredOption('--election <id>', 'the election id, like paris-2013').option('--round <n>', '1, or 2 for a second round', '1');
}

/** Loads a sub-command's code when it runs; its refusals become one line (exit 1). */
function lazy<O>(load: () => Promise<(options: O) => Promise<void>>): (options: O) => Promise<void> {
  return async (options: O) => {
    const { action } = await import('./common.js');
    await action(await load())(options);
  };
}
