/**
 * The credentials file: `${SKILLMEAT_CONFIG_DIR ?? $HOME/.skillmeat}/credentials.json`, one entry
 * per registry URL (a device-login session, or a token given to `auth token`). Written
 * atomically (a temp file in the same folder, fsync, rename) with mode 0600 inside a 0700
 * folder. A file that cannot be read or parsed is a CliError (exit 5) naming the file and the way
 * out, never a stack trace; so is a file other users can read (mode not 0600), with the chmod to run. A lock file serialises refreshes between concurrent CLI processes.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { CliEnvironment } from './environment.js';
import { CliError, credentialsFileError, ExitCode } from './exit-codes.js';
import { Keyring } from './keyring.js';

/** Tokens from the device flow (provider local): refreshed automatically. */
export interface StoredSession {
  type: 'session';
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ISO 8601). */
  expiresAt: string;
  savedAt: string;
}

/** A token stored by `auth token` (a personal access token, or any Bearer token the server takes). */
export interface StoredToken {
  type: 'token';
  token: string;
  savedAt: string;
}

export type StoredCredential = StoredSession | StoredToken;

/** Which store holds a credential. */
export type StoreKind = 'keyring' | 'file';

interface CredentialsFile {
  version: 1;
  registries: Record<string, StoredCredential>;
}

const FILE_NAME = 'credentials.json';
const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;

/** The file exists but is not a credentials file this CLI wrote (logout may delete it). */
export class CorruptCredentialsFile extends CliError {
  constructor(
    message: string,
    /** Which store holds the corrupt entry. */
    readonly where: 'keyring' | 'file' = 'file',
  ) {
    super(message, ExitCode.CREDENTIALS_FILE);
  }
}

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function validEntry(value: unknown): value is StoredCredential {
  const entry = value as Record<string, unknown> | null;
  if (typeof entry !== 'object' || entry === null) return false;
  if (entry.type === 'session') return isString(entry.accessToken) && isString(entry.refreshToken) && isString(entry.expiresAt);
  if (entry.type === 'token') return isString(entry.token);
  return false;
}

const errno = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CredentialStore {
  readonly file: string;
  private readonly lockFile: string;

  constructor(
    readonly dir: string,
    /** The default ~/.skillmeat is ours to tighten to 0700; a SKILLMEAT_CONFIG_DIR that exists is left as it is. */
    private readonly ownsDir: boolean,
    private readonly warn: (message: string) => void = () => {},
    /** The OS credential store, tried first; null: the file only (SKILLMEAT_CREDENTIAL_STORE=file). */
    private readonly keyring: Keyring | null = null,
  ) {
    this.file = join(dir, FILE_NAME);
    this.lockFile = `${this.file}.lock`;
  }

  private corrupt(why: string): Error {
    return new CorruptCredentialsFile(
      `The credentials file ${this.file} is corrupt (${why}). Delete it (rm '${this.file}') or run ` +
        '`skillmeat auth logout` to reset it, then log in again.',
    );
  }

  /** Every stored entry; an empty store when the file does not exist. */
  read(): CredentialsFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if (errno(error) === 'ENOENT') return { version: 1, registries: {} };
      throw credentialsFileError(`Cannot read the credentials file ${this.file} (${errno(error)}). Check its owner and permissions, or delete it.`);
    }
    this.refuseLooseMode();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.corrupt('not valid JSON');
    }
    const content = parsed as Partial<CredentialsFile> | null;
    if (typeof content !== 'object' || content === null || content.version !== 1) throw this.corrupt('unknown format or version');
    if (typeof content.registries !== 'object' || content.registries === null || Array.isArray(content.registries)) {
      throw this.corrupt('no "registries" object');
    }
    for (const [registry, entry] of Object.entries(content.registries)) {
      if (!validEntry(entry)) throw this.corrupt(`the entry for ${registry} is incomplete`);
    }
    return { version: 1, registries: content.registries };
  }

  /** The stored credential for `registry` and where it is: the keyring first, then the file. */
  locate(registry: string): { credential: StoredCredential; where: StoreKind } | undefined {
    if (this.keyring) {
      const answer = this.keyring.get(registry);
      if (answer.ok && answer.secret !== null) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(answer.secret);
        } catch {
          parsed = null;
        }
        if (!validEntry(parsed)) {
          throw new CorruptCredentialsFile(
            `The ${Keyring.label()} entry for ${registry} is corrupt. Run \`skillmeat auth logout\` to remove it, then log in again.`,
            'keyring',
          );
        }
        return { credential: parsed, where: 'keyring' };
      }
    }
    const credential = this.read().registries[registry];
    return credential ? { credential, where: 'file' } : undefined;
  }

  get(registry: string): StoredCredential | undefined {
    return this.locate(registry)?.credential;
  }

  /** Where a credential in `where` is, for people: "the Secret Service keyring", "file …". */
  describe(where: StoreKind): string {
    return where === 'keyring' ? `the ${Keyring.label()} (service "skillmeat", account = registry URL)` : this.file;
  }

  /**
   * Stores the credential in the keyring, else (no keyring answers) in the file with a one-line
   * note. Returns where it went; a copy left in the other store is removed.
   */
  set(registry: string, credential: StoredCredential): StoreKind {
    if (this.keyring) {
      const answer = this.keyring.set(registry, JSON.stringify(credential));
      if (answer.ok) {
        this.removeFromFile(registry);
        return 'keyring';
      }
      this.warn(`Note: no OS keyring answered (${answer.reason}); the credentials go to ${this.file} (mode 600).`);
    }
    const content = this.read();
    content.registries[registry] = credential;
    this.write(content);
    return 'file';
  }

  /** Removes one registry's entry from the keyring and the file; false when there was none. */
  remove(registry: string): boolean {
    const fromKeyring = this.removeFromKeyring(registry);
    return this.removeFromFile(registry) || fromKeyring;
  }

  /** Deletes the registry's keyring entry (logout also does this for a corrupt one). */
  removeFromKeyring(registry: string): boolean {
    if (!this.keyring) return false;
    const answer = this.keyring.delete(registry);
    return answer.ok && answer.deleted === true;
  }

  /** Removes one registry's entry from the file; deletes the file when it is empty. */
  private removeFromFile(registry: string): boolean {
    const content = this.read();
    if (!(registry in content.registries)) return false;
    delete content.registries[registry];
    if (Object.keys(content.registries).length === 0) this.deleteFile();
    else this.write(content);
    return true;
  }

  /** Deletes the whole file (the way out of a corrupt one); false when there was none. */
  deleteFile(): boolean {
    try {
      unlinkSync(this.file);
      return true;
    } catch (error) {
      if (errno(error) === 'ENOENT') return false;
      throw credentialsFileError(`Cannot delete the credentials file ${this.file} (${errno(error)}).`);
    }
  }

  /**
   * Runs `fn` holding the store's lock (an exclusive lock file), so two CLI processes never use
   * the same refresh token twice (a reused refresh token revokes the whole session).
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    this.ensureDir();
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(this.lockFile, 'wx', 0o600));
        break;
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw credentialsFileError(`Cannot create the lock file ${this.lockFile} (${errno(error)}).`);
        if (this.lockIsStale()) continue;
        if (Date.now() > deadline) {
          throw credentialsFileError(`Another skillmeat process holds ${this.lockFile}. If none is running, delete that file and try again.`);
        }
        await sleep(50 + Math.random() * 50);
      }
    }
    try {
      return await fn();
    } finally {
      try {
        unlinkSync(this.lockFile);
      } catch {
        // Already gone (removed as stale by another process): nothing to release.
      }
    }
  }

  private lockIsStale(): boolean {
    try {
      if (Date.now() - statSync(this.lockFile).mtimeMs < LOCK_STALE_MS) return false;
      unlinkSync(this.lockFile);
      return true;
    } catch {
      return true; // gone meanwhile: try again at once
    }
  }

  private ensureDir(): void {
    let stats: Stats | undefined;
    try {
      stats = statSync(this.dir);
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw credentialsFileError(`Cannot use the folder ${this.dir} (${errno(error)}).`);
    }
    if (stats && !stats.isDirectory()) throw credentialsFileError(`${this.dir} is not a folder; the credentials file cannot be kept there.`);
    try {
      if (!stats) {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        chmodSync(this.dir, 0o700);
      } else if (this.ownsDir && (stats.mode & 0o077) !== 0) {
        chmodSync(this.dir, 0o700);
      }
    } catch (error) {
      throw credentialsFileError(`Cannot create the folder ${this.dir} for the credentials file (${errno(error)}).`);
    }
  }

  /**
   * A credentials file others can read or write is refused, like ssh does with a private key:
   * the message gives the chmod to run (exit 5). Tokens in it may have been seen by others.
   */
  private refuseLooseMode(): void {
    let mode: number;
    try {
      mode = statSync(this.file).mode & 0o777;
    } catch {
      return; // gone meanwhile: reading it says so
    }
    if ((mode & 0o077) === 0) return;
    throw credentialsFileError(
      `The credentials file ${this.file} can be read or changed by other users (mode ${mode.toString(8)}), so it is not used. ` +
        `Run \`chmod 600 '${this.file}'\` and try again; if others may have read it, run \`skillmeat auth logout\` and log in again.`,
    );
  }

  private write(content: CredentialsFile): void {
    this.ensureDir();
    const temp = join(this.dir, `.${FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.file);
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // The temp file was never created, or is already renamed.
      }
      throw credentialsFileError(`Cannot write the credentials file ${this.file} (${errno(error)}). Check the folder's owner and permissions.`);
    }
  }
}

/** The store for this environment: SKILLMEAT_CONFIG_DIR, else $HOME/.skillmeat. */
export function credentialStore(env: CliEnvironment, warn?: (message: string) => void): CredentialStore {
  const keyring = env.credentialStore === 'file' ? null : new Keyring(env.processEnv);
  return env.configDir !== undefined
    ? new CredentialStore(env.configDir, false, warn, keyring)
    : new CredentialStore(join(env.home, '.skillmeat'), true, warn, keyring);
}
