/**
 * Relay global ids are base64 of `Type:rowId`, as UTF-8. encodeGlobalId takes a shortcut for
 * ASCII text (btoa); it must write exactly what a UTF-8 Buffer writes, for every id, and
 * decodeGlobalId must read each back.
 */
import { describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId, NODE_TYPES } from '../src/ids.js';

const utf8Base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('encodeGlobalId', () => {
  it('writes the base64 of the UTF-8 text `Type:id` for every node type and id size', () => {
    const ids: (number | bigint | string)[] = [1, 7, 42, 999, 65_536, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER, 12_345_678_901_234n, '0', 'abc'];
    for (const type of NODE_TYPES) {
      for (const id of ids) expect(encodeGlobalId(type, id), `${type}:${id}`).toBe(utf8Base64(`${type}:${id}`));
    }
  });

  it('writes the same as a UTF-8 Buffer for text that is not ASCII (where btoa would differ or throw)', () => {
    for (const id of ['é', 'Über', '🧪', '\u0080', '\u00ff', '\u2028']) {
      expect(encodeGlobalId('Artifact', id), id).toBe(utf8Base64(`Artifact:${id}`));
    }
    // Latin-1 text is where btoa and UTF-8 disagree: the shortcut must not be taken there.
    expect(btoa('Artifact:\u00e9')).not.toBe(utf8Base64('Artifact:\u00e9'));
  });

  it('is read back by decodeGlobalId', () => {
    for (const type of NODE_TYPES) {
      for (const id of [1, 30, 2 ** 40]) expect(decodeGlobalId(encodeGlobalId(type, id))).toEqual({ type, id });
    }
  });
});
