/** Runs a commander program as a bin (skillmeat, skillmeat-admin): the exit code, and what went wrong, said once. */
import { CommanderError, type Command } from 'commander';
import { readEnvironment } from './environment.js';
import { CliError, ExitCode } from './exit-codes.js';
import { say } from './terminal.js';

/** The exit code for a failure, after telling the person what went wrong. */
function report(error: unknown, debug: boolean): ExitCode | number {
  if (error instanceof CommanderError) {
    // commander has printed the help, version or its own error line already.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? ExitCode.OK : ExitCode.USAGE;
  }
  if (error instanceof CliError) {
    say(`error: ${error.message}`);
    if (debug) say(error.stack);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  say(`error: unexpected failure: ${message}${debug ? '' : ' (set SKILLMEAT_CLI_DEBUG=1 for details)'}`);
  if (debug && error instanceof Error) say(error.stack);
  return ExitCode.API_ERROR;
}

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  // `skillmeat query … | head`: a reader that goes away early is not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error, readEnvironment().debug);
  }
}
