/** Relay global ids: base64 of `Type:rowId`. Malformed ids are BAD_USER_INPUT, never a 500. */
import { badInput } from '../errors.js';

export const NODE_TYPES = ['Artifact', 'Collection', 'User', 'ApiKey', 'PersonalAccessToken'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export function encodeGlobalId(type: string, id: number | string | bigint): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}

export interface DecodedId {
  type: NodeType;
  id: number;
}

/** Decodes any of our global ids; throws BAD_USER_INPUT when `globalId` is not one. */
export function decodeGlobalId(globalId: string, field = 'id'): DecodedId {
  const text = /^[A-Za-z0-9+/_-]{4,120}={0,2}$/.test(globalId) ? Buffer.from(globalId, 'base64').toString('utf8') : '';
  const match = /^([A-Za-z]+):([1-9]\d{0,14})$/.exec(text);
  const type = match?.[1] as NodeType | undefined;
  if (!match || !type || !NODE_TYPES.includes(type)) {
    throw badInput(`"${field}" is not a valid id.`, field);
  }
  return { type, id: Number(match[2]) };
}

/** Decodes a global id that must be of `type`. */
export function decodeIdOf(type: NodeType, globalId: string, field = 'id'): number {
  const decoded = decodeGlobalId(globalId, field);
  if (decoded.type !== type) throw badInput(`"${field}" is not ${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type} id.`, field);
  return decoded.id;
}
