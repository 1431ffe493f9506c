/**
 * DNS rebinding protection, on the socket, for every path (GraphQL on both paths, GraphiQL,
 * /version, the OAuth endpoints, /device): a request whose Host header is not one this server
 * answers to gets 421 Misdirected Request, HOST_NOT_ALLOWED. A page on an attacker's name that
 * the attacker re-points at 127.0.0.1 is same-origin with itself, so neither CORS nor the CSRF
 * rule stops it; only the Host header it must carry (its own name) gives it away.
 *
 * Which hosts (hostPolicy):
 * - zero-auth: loopback names only (localhost, 127.x.x.x, [::1], any port), plus HOST, the
 *   host of SKILLMEAT_PUBLIC_URL and SKILLMEAT_ALLOWED_HOSTS;
 * - auth enabled, SKILLMEAT_ALLOWED_HOSTS unset: any Host (behind a load balancer the name is
 *   not known; a rebound page gets no one's credentials, so it is just another anonymous caller);
 * - auth enabled with SKILLMEAT_ALLOWED_HOSTS: as in zero-auth.
 * An entry `name` allows the name on any port, `name:port` on that port only.
 * /health and /health/ready stay open to any Host: probes use whatever name reaches the process.
 */
import type { RequestListener } from 'node:http';
import type { Config } from '../config.js';
import { isLoopbackHost } from '../config.js';
import { hostNotAllowed } from '../errors.js';

/** Whether a Host header value (name or name:port, lowercased) is served; null: every Host is. */
export type HostPolicy = ((host: string) => boolean) | null;

const OPEN_PATHS = new Set(['/health', '/health/ready']);
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/** `name[:port]` → [name, port]; an IPv6 name keeps its brackets. */
function splitHost(host: string): [string, string | null] {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  if (!match) return [host, null];
  return [match[1]!.replace(/\.$/, ''), match[2] ?? null];
}

export function hostPolicy(config: Pick<Config, 'authEnabled' | 'allowedHosts' | 'publicUrl' | 'host'>): HostPolicy {
  if (config.authEnabled && config.allowedHosts === null) return null;
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  const add = (entry: string) => {
    const [name, port] = splitHost(entry.toLowerCase());
    if (port) hostPorts.add(`${name}:${port}`);
    else names.add(name);
  };
  for (const entry of config.allowedHosts ?? []) add(entry);
  if (config.publicUrl) add(new URL(config.publicUrl).host);
  const listen = config.host.toLowerCase();
  if (!WILDCARD_ADDRESSES.has(listen)) add(listen.includes(':') && !listen.startsWith('[') ? `[${listen}]` : listen);
  return (host) => {
    const [name, port] = splitHost(host.toLowerCase());
    return isLoopbackHost(name) || names.has(name) || (port !== null && hostPorts.has(`${name}:${port}`));
  };
}

/** Wraps `next` so it only sees requests whose Host the policy serves. */
export function withAllowedHosts(policy: HostPolicy, next: RequestListener): RequestListener {
  if (policy === null) return next;
  return (req, res) => {
    const host = req.headers.host ?? '';
    if (policy(host) || OPEN_PATHS.has((req.url ?? '').split('?', 1)[0]!)) return next(req, res);
    const error = hostNotAllowed(host);
    const body = JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
    res.writeHead(error.extensions.http?.status ?? 421, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}
