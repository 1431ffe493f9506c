/** Input rules shared by every write: clear BAD_USER_INPUT errors that name the field. */
import { badInput } from '../errors.js';

export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 10_000;
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 64;
export const MAX_SEARCH_LENGTH = 200;

/** PostgreSQL cannot store U+0000 in text, and no name or tag needs it: refuse it everywhere. */
export function noNul(value: string, field: string): string {
  if (value.includes('\u0000')) throw badInput(`"${field}" must not contain the NUL character.`, field);
  return value;
}

/** A required name: trimmed, 1–200 characters. */
export function validName(value: string, field = 'name'): string {
  const name = noNul(value, field).trim();
  if (name.length === 0) throw badInput(`"${field}" must not be empty.`, field);
  if (name.length > MAX_NAME_LENGTH) {
    throw badInput(`"${field}" must be at most ${MAX_NAME_LENGTH} characters, got ${name.length}.`, field);
  }
  return name;
}

export function validDescription(value: string | null | undefined): string | null {
  if (value == null) return null;
  noNul(value, 'description');
  if (value.length > MAX_DESCRIPTION_LENGTH) {
    throw badInput(`"description" must be at most ${MAX_DESCRIPTION_LENGTH} characters, got ${value.length}.`, 'description');
  }
  return value;
}

/** Tags: at most 50, each trimmed to 1–64 characters; duplicates are folded, order kept. */
export function validTags(value: readonly string[] | null | undefined): string[] {
  if (value == null) return [];
  if (value.length > MAX_TAGS) throw badInput(`"tags" may hold at most ${MAX_TAGS} tags, got ${value.length}.`, 'tags');
  const tags: string[] = [];
  for (const raw of value) {
    const tag = noNul(raw, 'tags').trim();
    if (tag.length === 0) throw badInput('"tags" must not contain an empty tag.', 'tags');
    if (tag.length > MAX_TAG_LENGTH) throw badInput(`Each tag must be at most ${MAX_TAG_LENGTH} characters.`, 'tags');
    if (!tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

export function validSearch(value: string | null | undefined): string | null {
  if (value == null) return null;
  const search = noNul(value, 'search').trim();
  if (search.length > MAX_SEARCH_LENGTH) {
    throw badInput(`"search" must be at most ${MAX_SEARCH_LENGTH} characters.`, 'search');
  }
  return search.length === 0 ? null : search;
}

/** `value` as a LIKE pattern that matches it anywhere, with %, _ and \ taken literally. */
export function containsPattern(value: string): string {
  return `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
