/**
 * `skillmeat query`: posts a GraphQL document (argument, --file, or stdin) with --variables to
 * the registry using --api-key, else the active credential (SKILLMEAT_AUTH_TOKEN or the stored
 * one), and prints the JSON result on stdout. Exit 1 when the result has errors (3 when they
 * say UNAUTHENTICATED), so a CI job can script the API.
 */
import { readFileSync } from 'node:fs';
import { commandContext, type RegistryOption } from '../context.js';
import { ExitCode, usageError } from '../exit-codes.js';
import { apiKey, firstError, hasCode, postGraphQL } from '../graphql.js';
import { loginCommand } from '../registry.js';
import { activeCredential } from '../session.js';
import { print, readStdin, say } from '../terminal.js';

export interface QueryOptions extends RegistryOption {
  file?: string;
  variables?: string;
  apiKey?: string;
  operationName?: string;
}

async function readDocument(argument: string | undefined, file: string | undefined): Promise<string> {
  if (argument !== undefined && file !== undefined) throw usageError('Give the query either as an argument or with --file, not both.');
  if (file !== undefined && file !== '-') {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw usageError(`Cannot read --file ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
    }
  }
  if (argument !== undefined && argument !== '-') return argument;
  if (process.stdin.isTTY) {
    throw usageError("Give a query: skillmeat query '{ me { role } }', --file query.graphql, or pipe it on stdin.");
  }
  return readStdin('query');
}

function parseVariables(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw usageError(`--variables is not valid JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usageError('--variables must be a JSON object, e.g. \'{"first": 10}\'.');
  }
  return value as Record<string, unknown>;
}

export async function query(argument: string | undefined, options: QueryOptions): Promise<ExitCode> {
  const ctx = commandContext(options);
  const document = (await readDocument(argument, options.file)).trim();
  if (document === '') throw usageError('The query is empty.');
  const variables = parseVariables(options.variables);
  const credential = options.apiKey !== undefined ? { headers: apiKey(options.apiKey), type: 'api-key' } : await activeCredential(ctx);

  const { status, body } = await postGraphQL(ctx.registry, { query: document, variables, operationName: options.operationName }, credential.headers);
  print(JSON.stringify(body, null, 2));
  if (!body.errors?.length) return ExitCode.OK;
  if (status === 401 || hasCode(body, 'UNAUTHENTICATED')) {
    say(
      credential.type === 'none'
        ? `error: ${ctx.registry} needs a credential. Run \`${loginCommand(ctx.registry)}\`, set SKILLMEAT_AUTH_TOKEN, or pass --api-key.`
        : `error: ${ctx.registry} refused the credential: ${firstError(body)}` +
            (credential.type === 'session' ? ` Run \`${loginCommand(ctx.registry)}\` to sign in again.` : ''),
    );
    return ExitCode.AUTH;
  }
  say(`error: the result has ${body.errors.length === 1 ? 'an error' : `${body.errors.length} errors`}: ${firstError(body)}`);
  return ExitCode.API_ERROR;
}
