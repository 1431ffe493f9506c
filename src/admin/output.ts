/**
 * How skillmeat-admin answers: a result on stdout (text lines for a person, or one JSON object
 * with --json), notes for a person on stderr, failures as CliError with the CLI's exit codes.
 */
import { GraphQLError } from 'graphql';
import { apiError, CliError, ExitCode, usageError } from '../cli/exit-codes.js';
import { print } from '../cli/terminal.js';

export interface OutputOptions {
  json?: boolean;
}

/** Prints `value` as JSON with --json, else `lines`. */
export function answer(options: OutputOptions, value: unknown, lines: readonly string[]): void {
  print(options.json ? JSON.stringify(value, null, 2) : lines.join('\n'));
}

/**
 * A refusal by the server's own code (the errors.ts helpers) as a CliError: bad input and a
 * scope the role does not hold are the command line's fault (2), anything else 1.
 */
export function fromServerError(error: unknown): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const code = error.extensions.code;
  if (code === 'BAD_USER_INPUT' || code === 'FORBIDDEN') return usageError(error.message);
  if (code === 'UNAUTHENTICATED') return new CliError(error.message, ExitCode.AUTH);
  return apiError(error.message);
}
