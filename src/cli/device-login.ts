/**
 * The RFC 8628 device authorization flow: ask the server for a device and user code, show the
 * verification URL and code in a box, open a browser unless told not to (and say so when it
 * cannot), then poll the token endpoint honouring `interval` and `slow_down` (+5 s) until the
 * person approves, denies, the code expires, or --timeout passes. A spinner runs on a TTY only.
 */
import { openBrowser } from './browser.js';
import { CLIENT_ID } from './client-id.js';
import type { StoredSession } from './credentials.js';
import { apiError, authError, CliError, ExitCode } from './exit-codes.js';
import { postForm } from './http.js';
import { loginCommand } from './registry.js';
import { sessionFromTokenResponse } from './session.js';
import { box, say, Spinner } from './terminal.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.5: the default interval, and how much slow_down adds. */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_S = 5;
/** Transient network failures tolerated in a row while polling (a restarting server). */
const MAX_NETWORK_FAILURES = 3;

export interface DeviceLoginOptions {
  registry: string;
  browser: boolean;
  hasDisplay: boolean;
  /** Give up after this many seconds (at the latest when the code expires). */
  timeoutSeconds?: number | undefined;
  /** How the flow waits between polls: a timer; a test passes one that records the waits. */
  sleep?: (ms: number) => Promise<unknown>;
}

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

function oauthError(body: unknown): { error: string; description: string } {
  const answer = body as { error?: unknown; error_description?: unknown } | null;
  const error = typeof answer?.error === 'string' ? answer.error : 'unknown_error';
  return { error, description: typeof answer?.error_description === 'string' ? answer.error_description : error };
}

async function startAuthorization(registry: string): Promise<DeviceAuthorization> {
  const { status, body } = await postForm(registry, '/oauth/device/code', { client_id: CLIENT_ID });
  if (status !== 200) throw apiError(`${registry} would not start a device login: ${oauthError(body).description}`);
  const answer = body as Partial<DeviceAuthorization> | null;
  if (
    typeof answer?.device_code !== 'string' ||
    typeof answer.user_code !== 'string' ||
    typeof answer.verification_uri !== 'string' ||
    typeof answer.expires_in !== 'number'
  ) {
    throw apiError(`${registry} answered the device login request without a device code, user code and verification URL.`);
  }
  return answer as DeviceAuthorization;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const clock = (ms: number) => {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Runs the whole flow; resolves with the session to store, or throws a CliError (exit 3 mostly). */
export async function deviceLogin(options: DeviceLoginOptions): Promise<StoredSession> {
  const { registry } = options;
  const started = await startAuthorization(registry);
  const page = started.verification_uri_complete ?? started.verification_uri;

  say('To sign in, open this page in a browser and enter the code:');
  say(box([started.verification_uri, '', `Code: ${started.user_code}`]));
  if (started.verification_uri_complete) say(`(or open ${started.verification_uri_complete} — the code is filled in)`);
  if (options.browser) {
    const result = await openBrowser(page, options.hasDisplay);
    say(result.opened ? 'Opened the page in your browser.' : `Could not open a browser: ${result.reason}. Open the URL above yourself.`);
  }

  const begun = Date.now();
  const expiresAt = begun + started.expires_in * 1000;
  const limitedByTimeout = options.timeoutSeconds !== undefined && begun + options.timeoutSeconds * 1000 < expiresAt;
  const deadline = limitedByTimeout ? begun + options.timeoutSeconds! * 1000 : expiresAt;
  let interval = Math.max(1, started.interval ?? DEFAULT_INTERVAL_S);
  let failures = 0;
  const wait = options.sleep ?? sleep;

  const spinner = new Spinner();
  const interrupted = () => {
    spinner.stop();
    say('Login cancelled.');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  spinner.start(() => `Waiting for approval… (the code expires in ${clock(expiresAt - Date.now())})`);
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (interval * 1000 > left) {
        await wait(Math.max(0, left));
        break;
      }
      await wait(interval * 1000);
      let status: number;
      let body: unknown;
      try {
        ({ status, body } = await postForm(registry, '/oauth/token', { grant_type: DEVICE_GRANT, device_code: started.device_code, client_id: CLIENT_ID }));
        failures = 0;
      } catch (error) {
        if (error instanceof CliError && error.exitCode === ExitCode.UNREACHABLE && ++failures < MAX_NETWORK_FAILURES) continue;
        throw error;
      }
      if (status === 200) return sessionFromTokenResponse(registry, body);
      const { error, description } = oauthError(body);
      switch (error) {
        case 'authorization_pending':
          continue;
        case 'slow_down':
          interval += SLOW_DOWN_S;
          continue;
        case 'access_denied':
          throw authError(`The login request was denied. Nothing was stored; run \`${loginCommand(registry)}\` to try again.`);
        case 'expired_token':
          throw authError(`The code expired before it was approved. Run \`${loginCommand(registry)}\` to get a new one.`);
        case 'invalid_grant':
          throw authError(`${registry} no longer accepts this login request (${description}). Run \`${loginCommand(registry)}\` again.`);
        default:
          throw apiError(`The token endpoint of ${registry} answered ${error}: ${description}`);
      }
    }
  } finally {
    spinner.stop();
    process.off('SIGINT', interrupted);
  }
  if (limitedByTimeout) {
    throw authError(`No approval within ${options.timeoutSeconds} s (--timeout); nothing was stored. Run \`${loginCommand(registry)}\` to try again.`);
  }
  throw authError(`The code expired before it was approved. Run \`${loginCommand(registry)}\` to get a new one.`);
}
