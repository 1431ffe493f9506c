/**
 * HTTP for the CLI: Node's fetch with a timeout, and failures turned into one clear line —
 * server down, host unknown, no answer in time, or a URL that is not a SkillMeat server —
 * with exit code 4 and never a stack trace.
 */
import { VERSION } from '../version.js';
import { apiError, unreachable } from './exit-codes.js';

export const DEFAULT_TIMEOUT_MS = 15_000;
const USER_AGENT = `skillmeat-cli/${VERSION}`;

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The errno-style code of a fetch failure (ECONNREFUSED…), else the cause's own words. */
function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/** Why `url` could not be fetched, as a sentence for a person. */
function describeFailure(error: unknown, registry: string, timeoutMs: number): string {
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `The server at ${registry} did not answer within ${Math.round(timeoutMs / 1000)} s.`;
  }
  const code = networkCode(error);
  const hint = 'Is the server running? Check --registry or SKILLMEAT_API_URL.';
  switch (code) {
    case 'ECONNREFUSED':
      return `Cannot reach the SkillMeat server at ${registry}: connection refused. ${hint}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot reach the SkillMeat server at ${registry}: the host name does not resolve. ${hint}`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `The connection to ${registry} was closed before the server answered. ${hint}`;
    default:
      return `Cannot reach the SkillMeat server at ${registry}${code ? ` (${code})` : ''}. ${hint}`;
  }
}

/** fetch(registry + path) with a timeout that covers the body too; network failures exit 4. */
export async function send(registry: string, path: string, init: RequestInit = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('user-agent', USER_AGENT);
  try {
    return await fetch(`${registry}${path}`, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw unreachable(describeFailure(error, registry, timeoutMs));
  }
}

/** Like send(), then reads a JSON body; anything else means the URL is not a SkillMeat server. */
export async function sendForJson(registry: string, path: string, init: RequestInit = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<JsonResponse> {
  const response = await send(registry, path, init, timeoutMs);
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw unreachable(describeFailure(error, registry, timeoutMs));
  }
  const type = response.headers.get('content-type') ?? '';
  try {
    if (!type.includes('json')) throw new Error('not JSON');
    return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown };
  } catch {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      throw unreachable(`${registry} redirects ${path} to ${new URL(location, `${registry}${path}`).href}; use the server's own URL as --registry or SKILLMEAT_API_URL.`);
    }
    if (response.status >= 500) {
      throw apiError(`The server at ${registry} failed (HTTP ${response.status} on ${init.method ?? 'GET'} ${path}); try again later.`);
    }
    throw unreachable(
      `${registry} does not look like a SkillMeat server (${init.method ?? 'GET'} ${path} answered HTTP ${response.status}` +
        `${type ? `, ${type.split(';')[0]}` : ''}). Check --registry or SKILLMEAT_API_URL.`,
    );
  }
}

export type AuthMode = 'zero-auth' | 'local' | 'clerk';

export interface ServerVersion {
  version: string;
  authMode: AuthMode | string;
  database: string;
}

/** GET /version: what the server runs (always open); proves the URL is a SkillMeat server. */
export async function fetchVersion(registry: string): Promise<ServerVersion> {
  const { status, body } = await sendForJson(registry, '/version');
  const info = body as Partial<ServerVersion> | null;
  if (status !== 200 || typeof info?.authMode !== 'string') {
    throw unreachable(`${registry} does not look like a SkillMeat server (GET /version answered HTTP ${status}). Check --registry or SKILLMEAT_API_URL.`);
  }
  return { version: String(info.version), authMode: info.authMode, database: String(info.database) };
}

/** POST a form (OAuth endpoints): the status and the JSON answer. */
export function postForm(registry: string, path: string, fields: Record<string, string>): Promise<JsonResponse> {
  return sendForJson(registry, path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  });
}
