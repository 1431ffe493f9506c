/**
 * `skillmeat-admin`: the server's admin commands (commander), acting on the database of the
 * server's configuration (DATABASE_URL …) directly. Same conventions as the `skillmeat` CLI:
 * one `error: …` line on stderr and an exit code from src/cli/exit-codes.ts; stack traces only
 * with SKILLMEAT_CLI_DEBUG=1. Run it with bin/skillmeat-admin.js (npx skillmeat-admin).
 */
import { Command, Option } from 'commander';
import { runProgram } from '../cli/run-program.js';
import { VERSION } from '../version.js';
import { adoptLocalTeam, createUser, generateApiKey, health, init, listRoles, showConfig, verifyToken } from './commands.js';

const HELP_AFTER = `
Every command reads the server's configuration (DATABASE_URL, SKILLMEAT_*; see the README)
and acts on that database directly. docs/admin.md describes each command.

Exit codes:
  0  ok
  1  the operation failed (health: a check failed)
  2  usage errors (unknown command or option, bad value, a bad configuration variable)
  3  verify-token: the token is rejected
  4  the database cannot be reached`;

const json = () => new Option('--json', 'print the result as JSON');

export function buildProgram(): Command {
  const program = new Command('skillmeat-admin')
    .description('Admin commands of the SkillMeat server, run against its database (DATABASE_URL).')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', HELP_AFTER);

  program
    .command('init')
    .description('create the database and run its migrations; with provider local, make a signing key')
    .addOption(json())
    .action(async (options: { json?: boolean }) => init(options));

  program
    .command('create-user')
    .description('create a local account; the password is read from stdin, or generated and printed once')
    .requiredOption('--email <email>', "the account's email")
    .requiredOption('--role <role>', 'VIEWER, TEAM_MEMBER, TEAM_ADMIN or SYSTEM_ADMIN')
    .option('--team <team>', 'the team (required for TEAM_MEMBER and TEAM_ADMIN)')
    .option('--name <name>', 'a display name')
    .addOption(json())
    .action(async (options: { email: string; role: string; team?: string; name?: string; json?: boolean }) => createUser(options));

  program
    .command('list-roles')
    .description('the roles and the scopes each holds (the server\'s scope table)')
    .addOption(json())
    .action((options: { json?: boolean }) => listRoles(options));

  program
    .command('generate-api-key')
    .description('mint an API key acting in a team; the secret is printed once')
    .requiredOption('--name <name>', "the key's name")
    .requiredOption('--scopes <scopes>', 'space- or comma-separated scopes (at most the role\'s)')
    .option('--team <team>', 'the team the key acts in (required unless --role SYSTEM_ADMIN)')
    .option('--role <role>', 'the role the key acts as: VIEWER, TEAM_MEMBER, TEAM_ADMIN (default) or SYSTEM_ADMIN (every team)')
    .option('--expires-in <duration>', 'expire after 30m, 12h, 90d, 2w … (default: never)')
    .addOption(json())
    .action(async (options: { name: string; scopes: string; team?: string; role?: string; expiresIn?: string; json?: boolean }) =>
      generateApiKey(options),
    );

  program
    .command('verify-token')
    .description('the identity the configured auth chain resolves a token to (role, team, scopes, method, expiry), or why it is rejected (exit 3)')
    .argument('[token]', 'a JWT, personal access token, API key or enterprise PAT; read from stdin when omitted or "-"')
    .addOption(json())
    .action(async (token: string | undefined, options: { json?: boolean }) => verifyToken(token, options));

  program
    .command('show-config')
    .description('every configuration variable in effect; secrets only as set/unset with a fingerprint')
    .addOption(json())
    .action((options: { json?: boolean }) => showConfig(options));

  program
    .command('health')
    .description('database reachable, migrations current, signing keys present (exit 1 or 4 otherwise)')
    .addOption(json())
    .action(async (options: { json?: boolean }) => health(options));

  program
    .command('adopt-local-team')
    .description("hand team local (zero-auth's artifacts, collections, API keys, users) to a team, in one transaction; idempotent")
    .requiredOption('--team <team>', 'the team to hand it to (e.g. a Clerk organization id)')
    .addOption(json())
    .action(async (options: { team: string; json?: boolean }) => adoptLocalTeam(options));

  return program;
}

await runProgram(buildProgram(), process.argv);
