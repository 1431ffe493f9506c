/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment RestArtifact on Artifact {\n  id\n  name\n  type\n  description\n  tags\n  visibility\n  teamId\n  owner {\n    id\n    name\n  }\n  createdAt\n  updatedAt\n}\n\nquery RestArtifacts($first: Int, $after: String, $filter: ArtifactFilter) {\n  artifacts(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...RestArtifact\n      }\n    }\n  }\n}\n\nmutation RestCreateArtifact($input: CreateArtifactInput!) {\n  createArtifact(input: $input) {\n    artifact {\n      ...RestArtifact\n    }\n  }\n}": typeof types.RestArtifactFragmentDoc,
};
const documents: Documents = {
    "fragment RestArtifact on Artifact {\n  id\n  name\n  type\n  description\n  tags\n  visibility\n  teamId\n  owner {\n    id\n    name\n  }\n  createdAt\n  updatedAt\n}\n\nquery RestArtifacts($first: Int, $after: String, $filter: ArtifactFilter) {\n  artifacts(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...RestArtifact\n      }\n    }\n  }\n}\n\nmutation RestCreateArtifact($input: CreateArtifactInput!) {\n  createArtifact(input: $input) {\n    artifact {\n      ...RestArtifact\n    }\n  }\n}": types.RestArtifactFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment RestArtifact on Artifact {\n  id\n  name\n  type\n  description\n  tags\n  visibility\n  teamId\n  owner {\n    id\n    name\n  }\n  createdAt\n  updatedAt\n}\n\nquery RestArtifacts($first: Int, $after: String, $filter: ArtifactFilter) {\n  artifacts(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...RestArtifact\n      }\n    }\n  }\n}\n\nmutation RestCreateArtifact($input: CreateArtifactInput!) {\n  createArtifact(input: $input) {\n    artifact {\n      ...RestArtifact\n    }\n  }\n}"): (typeof documents)["fragment RestArtifact on Artifact {\n  id\n  name\n  type\n  description\n  tags\n  visibility\n  teamId\n  owner {\n    id\n    name\n  }\n  createdAt\n  updatedAt\n}\n\nquery RestArtifacts($first: Int, $after: String, $filter: ArtifactFilter) {\n  artifacts(first: $first, after: $after, filter: $filter) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        ...RestArtifact\n      }\n    }\n  }\n}\n\nmutation RestCreateArtifact($input: CreateArtifactInput!) {\n  createArtifact(input: $input) {\n    artifact {\n      ...RestArtifact\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;