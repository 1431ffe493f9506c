/**
 * The platform credential store (macOS Keychain, Windows Credential Manager, Linux Secret
 * Service) through @napi-rs/keyring, whose native code ships as a per-platform npm package.
 * One secret per registry URL: service "skillmeat", account = the registry URL, the secret =
 * the stored credential as JSON.
 *
 * Each operation runs in a short-lived child Node process with a time limit (spawnSync with
 * `timeout`, killed with SIGKILL): the binding is synchronous, and a Secret Service that never
 * answers (a hung D-Bus, a prompt nobody sees) must not hang the CLI. A child that fails, times
 * out or cannot load the binding means "no keyring": the caller falls back to the file.
 * SKILLMEAT_CREDENTIAL_STORE=file skips the keyring altogether.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

export const KEYRING_SERVICE = 'skillmeat';
/** How long one keyring operation may take before the keyring counts as not answering. */
export const KEYRING_TIMEOUT_MS = 5_000;

type Operation = { op: 'get' } | { op: 'set'; secret: string } | { op: 'delete' };

export type KeyringAnswer = { ok: true; secret: string | null; deleted?: boolean } | { ok: false; reason: string };

/** Runs in the child: reads one operation on stdin, prints one JSON answer on stdout. */
const CHILD = `
const [modulePath, service, account] = process.argv.slice(1);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const answer = (value) => process.stdout.write(JSON.stringify(value));
  try {
    const { Entry } = require(modulePath);
    const request = JSON.parse(input);
    const entry = new Entry(service, account);
    if (request.op === 'get') answer({ ok: true, secret: entry.getPassword() ?? null });
    else if (request.op === 'set') { entry.setPassword(request.secret); answer({ ok: true, secret: null }); }
    else answer({ ok: true, secret: null, deleted: entry.deletePassword() === true });
  } catch (error) {
    answer({ ok: false, reason: String((error && error.message) || error).split('\\n')[0] });
  }
});
`;

let modulePath: string | null | undefined;
function bindingPath(): string | null {
  if (modulePath === undefined) {
    try {
      modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
    } catch {
      modulePath = null;
    }
  }
  return modulePath;
}

export class Keyring {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly timeoutMs = KEYRING_TIMEOUT_MS,
  ) {}

  /** A description of where a credential in the keyring lives, for whoami and messages. */
  static label(): string {
    if (process.platform === 'darwin') return 'macOS Keychain';
    if (process.platform === 'win32') return 'Windows Credential Manager';
    return 'Secret Service keyring';
  }

  private run(account: string, operation: Operation): KeyringAnswer {
    const path = bindingPath();
    if (path === null) return { ok: false, reason: 'the @napi-rs/keyring binding is not installed' };
    const child = spawnSync(process.execPath, ['-e', CHILD, path, KEYRING_SERVICE, account], {
      input: JSON.stringify(operation),
      env: this.env,
      encoding: 'utf8',
      timeout: this.timeoutMs,
      killSignal: 'SIGKILL',
      windowsHide: true,
    });
    if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      return { ok: false, reason: `it did not answer within ${this.timeoutMs / 1000} s` };
    }
    if (child.error) return { ok: false, reason: child.error.message };
    try {
      const answer = JSON.parse(child.stdout) as KeyringAnswer;
      if (typeof answer === 'object' && answer !== null && typeof answer.ok === 'boolean') return answer;
    } catch {
      // Fall through: the child died before answering.
    }
    const firstLine = child.stderr.split('\n').find((line) => line.trim() !== '') ?? `exit code ${child.status ?? child.signal}`;
    return { ok: false, reason: firstLine.trim() };
  }

  get(account: string): KeyringAnswer {
    return this.run(account, { op: 'get' });
  }

  set(account: string, secret: string): KeyringAnswer {
    return this.run(account, { op: 'set', secret });
  }

  delete(account: string): KeyringAnswer {
    return this.run(account, { op: 'delete' });
  }
}
