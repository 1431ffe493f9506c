/**
 * The exit codes of the skillmeat command-line client, in one place (docs/cli.md lists them),
 * and CliError: a failure with the one-line message a person needs and the code to exit with.
 * Nothing the CLI prints on failure is a stack trace.
 */

export const ExitCode = {
  /** Everything worked. */
  OK: 0,
  /** The server answered with GraphQL or API errors (query with `errors`, a bad answer). */
  API_ERROR: 1,
  /** The command line is wrong: unknown command or option, bad value, missing query. */
  USAGE: 2,
  /** Authentication is needed or failed: not logged in, token rejected, login denied or expired. */
  AUTH: 3,
  /** The server cannot be reached, or the URL is not a SkillMeat server. */
  UNREACHABLE: 4,
  /** The local credentials file cannot be read or written (corrupt, permissions). */
  CREDENTIALS_FILE: 5,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI reports as `error: <message>` on stderr before exiting with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.USAGE);
export const authError = (message: string) => new CliError(message, ExitCode.AUTH);
export const apiError = (message: string) => new CliError(message, ExitCode.API_ERROR);
export const unreachable = (message: string) => new CliError(message, ExitCode.UNREACHABLE);
export const credentialsFileError = (message: string) => new CliError(message, ExitCode.CREDENTIALS_FILE);
