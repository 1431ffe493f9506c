/**
 * GraphQL over HTTP for the CLI: POST /graphql with a credential's headers. `postGraphQL` sends
 * any text (the query command); `request` sends a typed codegen document and returns its data,
 * turning UNAUTHENTICATED into an auth error (exit 3) and other errors into exit 1.
 *
 * A typed document is sent as the text its persisted-documents.json lists it with (codegen.ts):
 * a server that runs trusted documents only (SKILLMEAT_TRUSTED_DOCUMENTS) recognises that text
 * by its SHA-256, and any other server takes it as the query it is.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import CLI_DOCUMENTS from './operations/generated/persisted-documents.json' with { type: 'json' };
import { apiError, authError, unreachable } from './exit-codes.js';
import { sendForJson } from './http.js';

export interface GraphQLError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface GraphQLBody<T = unknown> {
  data?: T | null;
  errors?: GraphQLError[];
  [key: string]: unknown;
}

/** The headers that carry a credential (none: anonymous, which a zero-auth server accepts). */
export type AuthHeaders = Record<string, string>;

export const bearer = (token: string): AuthHeaders => ({ authorization: `Bearer ${token}` });
export const apiKey = (key: string): AuthHeaders => ({ 'x-api-key': key });

/** Posts a GraphQL request; the answer must be a GraphQL JSON body, whatever its status. */
export async function postGraphQL(
  registry: string,
  request: { query: string; variables?: Record<string, unknown> | undefined; operationName?: string | undefined },
  headers: AuthHeaders = {},
): Promise<{ status: number; body: GraphQLBody }> {
  const { status, body } = await sendForJson(registry, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify(request),
  });
  const parsed = body as GraphQLBody | null;
  if (typeof parsed !== 'object' || parsed === null || (!('data' in parsed) && !Array.isArray(parsed.errors))) {
    throw unreachable(`${registry} does not look like a SkillMeat server (POST /graphql answered HTTP ${status} without a GraphQL result).`);
  }
  return { status, body: parsed };
}

export function hasCode(body: GraphQLBody, code: string): boolean {
  return (body.errors ?? []).some((e) => e.extensions?.code === code);
}

/** The first error's message, for one line of output. */
export function firstError(body: GraphQLBody): string {
  return body.errors?.[0]?.message ?? 'unknown error';
}

/** The manifest's text of a codegen document (its `__meta__.hash` is the key), else the document printed. */
export function documentText(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  const listed = typeof hash === 'string' ? (CLI_DOCUMENTS as Record<string, string>)[hash] : undefined;
  return listed ?? print(document);
}

/** Sends a typed document and returns its data; errors become CliErrors (exit 3 or 1). */
export async function request<TData, TVariables extends Record<string, unknown>>(
  registry: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  headers: AuthHeaders,
): Promise<TData> {
  const { status, body } = await postGraphQL(registry, { query: documentText(document), variables }, headers);
  if (status === 401 || hasCode(body, 'UNAUTHENTICATED')) throw authError(`The server rejected the credential: ${firstError(body)}`);
  if (body.errors?.length || body.data == null) throw apiError(`The server answered with an error: ${firstError(body)}`);
  return body.data as TData;
}
