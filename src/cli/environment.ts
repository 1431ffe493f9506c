/**
 * The environment variables the CLI reads, read here and nowhere else in src/cli/:
 * SKILLMEAT_API_URL (which server), SKILLMEAT_AUTH_TOKEN (a credential that overrides the stored
 * ones), SKILLMEAT_CONFIG_DIR and HOME (where credentials.json lives), SKILLMEAT_CLI_DEBUG
 * (stack traces for unexpected errors), SKILLMEAT_CREDENTIAL_STORE (file: no OS keyring), and DISPLAY/WAYLAND_DISPLAY (whether a browser can open).
 */
import { homedir } from 'node:os';

export interface CliEnvironment {
  apiUrl: string | undefined;
  authToken: string | undefined;
  configDir: string | undefined;
  home: string;
  debug: boolean;
  hasDisplay: boolean;
  /** SKILLMEAT_CREDENTIAL_STORE: 'file' skips the OS keyring; 'auto' (default) tries it first. */
  credentialStore: 'auto' | 'file';
  /** The whole environment, handed to the keyring's child process (D-Bus address, HOME). */
  processEnv: NodeJS.ProcessEnv;
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** A snapshot of the environment (the CLI is short-lived; read once per call). */
export function readEnvironment(): CliEnvironment {
  // The server reads its configuration in src/config.ts only; the CLI is a separate program
  // and reads its own environment here, in one place.
  // eslint-disable-next-line no-restricted-properties
  const env = process.env;
  return {
    apiUrl: nonEmpty(env.SKILLMEAT_API_URL),
    authToken: nonEmpty(env.SKILLMEAT_AUTH_TOKEN),
    configDir: nonEmpty(env.SKILLMEAT_CONFIG_DIR),
    home: nonEmpty(env.HOME) ?? homedir(),
    debug: ['1', 'true', 'yes'].includes((env.SKILLMEAT_CLI_DEBUG ?? '').toLowerCase()),
    hasDisplay: Boolean(nonEmpty(env.DISPLAY) ?? nonEmpty(env.WAYLAND_DISPLAY)),
    credentialStore: nonEmpty(env.SKILLMEAT_CREDENTIAL_STORE)?.toLowerCase() === 'file' ? 'file' : 'auto',
    processEnv: env,
  };
}
