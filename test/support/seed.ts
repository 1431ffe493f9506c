/**
 * Seeding through the API itself: typed mutations over HTTP, one at a time so ids (and with
 * them the default order of every connection) follow the order of the calls.
 */
import {
  AddArtifactToCollectionDocument,
  CreateArtifactDocument,
  CreateCollectionDocument,
  type CreateArtifactInput,
  type CreateArtifactMutation,
  type CreateCollectionInput,
  type CreateCollectionMutation,
} from '../operations/generated/graphql.js';
import { graphqlOk } from './graphql.js';

export type SeededArtifact = CreateArtifactMutation['createArtifact']['artifact'];
export type SeededCollection = CreateCollectionMutation['createCollection']['collection'];

export async function createArtifact(url: string, input: CreateArtifactInput): Promise<SeededArtifact> {
  return (await graphqlOk(url, CreateArtifactDocument, { input })).createArtifact.artifact;
}

/** `count` artifacts named `${prefix} 1`, `${prefix} 2`, …, created in that order. */
export async function createArtifacts(
  url: string,
  count: number,
  prefix: string,
  extra: Partial<CreateArtifactInput> = {},
): Promise<SeededArtifact[]> {
  const created: SeededArtifact[] = [];
  for (let i = 1; i <= count; i++) {
    created.push(await createArtifact(url, { name: `${prefix} ${i}`, type: 'SKILL', ...extra }));
  }
  return created;
}

export async function createCollection(url: string, input: CreateCollectionInput): Promise<SeededCollection> {
  return (await graphqlOk(url, CreateCollectionDocument, { input })).createCollection.collection;
}

export async function addToCollection(url: string, collectionId: string, artifactId: string): Promise<void> {
  await graphqlOk(url, AddArtifactToCollectionDocument, { input: { collectionId, artifactId } });
}

/** A Relay global id as the server makes them: base64 of `Type:rowId`. */
export function globalId(type: string, id: number | string): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}

/** The `Type:rowId` inside a global id. */
export function decodeGlobalId(id: string): string {
  return Buffer.from(id, 'base64').toString('utf8');
}

