/** Typed GraphQL over real HTTP: post a codegen document, get the status, body and headers. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: GraphQLErrorBody[] | undefined;
}

export interface RequestOptions {
  headers?: Record<string, string>;
}

/** Posts `document` (typed or plain text) to `${baseUrl}/graphql`. */
export async function graphql<TData, TVariables>(
  baseUrl: string,
  document: TypedDocumentNode<TData, TVariables> | DocumentNode | string,
  variables?: TVariables,
  options: RequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  const query = typeof document === 'string' ? document : print(document);
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json()) as { data?: TData | null; errors?: GraphQLErrorBody[] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** Like graphql(), but fails the test unless the answer has data and no errors. */
export async function graphqlOk<TData, TVariables>(
  baseUrl: string,
  document: TypedDocumentNode<TData, TVariables> | DocumentNode | string,
  variables?: TVariables,
  options: RequestOptions = {},
): Promise<TData> {
  const result = await graphql(baseUrl, document, variables, options);
  if (result.errors?.length || result.data == null) {
    throw new Error(`GraphQL request failed (HTTP ${result.status}): ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

/** The extensions.code of each error, in order. */
export function codes(result: { errors?: GraphQLErrorBody[] | undefined }): (string | undefined)[] {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}
