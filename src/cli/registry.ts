/**
 * Which server the CLI talks to: --registry, else SKILLMEAT_API_URL, else http://localhost:8080,
 * normalised (lower-case scheme and host, no default port, no trailing slash, no /graphql) so
 * one server has one key in the credentials file.
 */
import { usageError } from './exit-codes.js';

export const DEFAULT_REGISTRY = 'http://localhost:8080';

/** The normalised registry URL, or a usage error naming the bad value and where it came from. */
export function normaliseRegistry(raw: string, from = '--registry'): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw usageError(`${from}: "${raw}" is not a URL; use e.g. http://localhost:8080.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${from}: "${raw}" must start with http:// or https://.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw usageError(`${from}: "${raw}" must not carry a user name, password, query or fragment.`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/graphql$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** --registry > SKILLMEAT_API_URL > the default. */
export function resolveRegistry(option: string | undefined, envUrl: string | undefined): string {
  if (option !== undefined) return normaliseRegistry(option, '--registry');
  if (envUrl !== undefined) return normaliseRegistry(envUrl, 'SKILLMEAT_API_URL');
  return DEFAULT_REGISTRY;
}

/** The login command for `registry`, as a person would type it. */
export function loginCommand(registry: string): string {
  return `skillmeat auth login${registry === DEFAULT_REGISTRY ? '' : ` --registry ${registry}`}`;
}
