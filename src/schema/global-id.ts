/** Relay global ids: base64 of `Type:rowId`. Malformed ids are BAD_USER_INPUT, never a 500. */
import { badInput } from '../errors.js';

export const NODE_TYPES = ['Artifact', 'Collection', 'User', 'ApiKey', 'PersonalAccessToken'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

const NOT_ASCII = /[\u0080-\uffff]/;

/**
 * Base64 of a text's UTF-8 bytes. btoa (which reads Latin-1) gives the same for ASCII text,
 * every id of ours, at half the cost of a Buffer (a page of 50 ids makes 50 of them).
 */
export function utf8Base64(text: string): string {
  return NOT_ASCII.test(text) ? Buffer.from(text).toString('base64') : btoa(text);
}

export function encodeGlobalId(type: string, id: number | string | bigint): string {
  return utf8Base64(`${type}:${id}`);
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
