/**
 * The `skillmeat` command line (commander): `auth login | token | whoami | logout` and `query`.
 * Every failure ends as one `error: …` line on stderr and an exit code from exit-codes.ts;
 * stack traces only with SKILLMEAT_CLI_DEBUG=1. Run it with `npm run cli -- …` or bin/skillmeat.js.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { VERSION } from '../version.js';
import { login } from './commands/login.js';
import { logout } from './commands/logout.js';
import { query } from './commands/query.js';
import { storeToken } from './commands/token.js';
import { whoami } from './commands/whoami.js';
import { runProgram } from './run-program.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  GraphQL or API errors (the query result has errors)
  2  usage errors (unknown command or option, bad value)
  3  authentication required or failed (log in; login denied or expired)
  4  the server cannot be reached, or is not a SkillMeat server
  5  the local credentials file cannot be read or written

Environment:
  SKILLMEAT_API_URL     the registry (default http://localhost:8080); --registry wins
  SKILLMEAT_AUTH_TOKEN  a token (e.g. a personal access token) used instead of stored credentials
  SKILLMEAT_CONFIG_DIR  where credentials.json lives (default ~/.skillmeat)`;

const registryOption = () => new Option('--registry <url>', 'the SkillMeat server (default: SKILLMEAT_API_URL, else http://localhost:8080)');

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(seconds) || seconds < 1) {
    throw new InvalidArgumentError('give a whole number of seconds, at least 1.');
  }
  return seconds;
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

export function buildProgram(): Command {
  const program = new Command('skillmeat')
    .description('Command-line client of the SkillMeat GraphQL API.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  const auth = program.command('auth').description('sign in to a registry and manage the stored credentials');

  auth
    .command('login')
    .description('sign in with the device flow: approve in a browser, then the tokens are stored')
    .addOption(registryOption())
    .option('--no-browser', 'do not try to open a browser; print the URL and code only')
    .option('--timeout <seconds>', 'give up waiting for approval after this many seconds', positiveSeconds)
    .action(async (options: { registry?: string; browser: boolean; timeout?: number }) => login(options));

  auth
    .command('token')
    .description('store a personal access token after checking it with the server (read from stdin when omitted or "-")')
    .argument('[token]', 'the token (smp_…); prefer stdin, an argument lands in shell history')
    .addOption(registryOption())
    .action(async (token: string | undefined, options: { registry?: string }) => storeToken(token, options));

  auth
    .command('whoami')
    .description('show who the active credential is: user, role, team, scopes, auth method, expiry, and where it came from')
    .addOption(registryOption())
    .option('--json', 'print the same as JSON')
    .action(async (options: { registry?: string; json?: boolean }) => whoami(options));

  auth
    .command('logout')
    .description('revoke the stored session on the server and remove the stored credentials (idempotent)')
    .addOption(registryOption())
    .action(async (options: { registry?: string }) => logout(options));

  program
    .command('query')
    .description('post a GraphQL query or mutation and print the JSON result (exit 1 when it has errors)')
    .argument('[graphql]', 'the document; read from stdin when omitted or "-"')
    .option('-f, --file <path>', 'read the document from a file')
    .option('--variables <json>', 'variables as a JSON object')
    .option('--operation-name <name>', 'which operation of the document to run')
    .option('--api-key <key>', 'send this API key (X-API-Key) instead of the stored credential', nonEmpty)
    .addOption(registryOption())
    .addHelpText('after', `\nExamples:\n  skillmeat query '{ me { role scopes } }'\n  SKILLMEAT_AUTH_TOKEN=smp_… skillmeat query --file ops.graphql --variables '{"first": 5}'\n  echo '{ artifacts(first: 3) { totalCount } }' | skillmeat query`)
    .action(async (graphql: string | undefined, options: { file?: string; variables?: string; apiKey?: string; operationName?: string; registry?: string }) => {
      process.exitCode = await query(graphql, options);
    });

  return program;
}

await runProgram(buildProgram(), process.argv);
