/** What every command starts from: the environment, the registry URL, and the credential store. */
import { credentialStore } from './credentials.js';
import { readEnvironment } from './environment.js';
import { resolveRegistry } from './registry.js';
import type { SessionContext } from './session.js';
import { warn } from './terminal.js';

export interface RegistryOption {
  registry?: string | undefined;
}

export function commandContext(options: RegistryOption): SessionContext {
  const env = readEnvironment();
  return { env, registry: resolveRegistry(options.registry, env.apiUrl), store: credentialStore(env, warn) };
}
