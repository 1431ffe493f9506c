/**
 * RFC 8628 device authorization: codes stored hashed; user codes short and unambiguous
 * (no 0/O/1/I), case- and dash-insensitive, single-use, expiring after 600 s.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { sha256Hex } from '../secrets.js';
import { notFound } from '../errors.js';
import { type Db } from './database.js';
import { now, timestampOf } from '../datetime.js';

export const DEVICE_CODE_TTL_SECONDS = 600;
export const POLL_INTERVAL_SECONDS = 5;
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const USER_CODE_LENGTH = 8;

export type DeviceGrantError = 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant';

/** An RFC 6749/8628 error answer of the token endpoint. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly error: DeviceGrantError | 'invalid_request' | 'unsupported_grant_type' | 'invalid_client',
    readonly description: string,
  ) {
    super(description);
  }
}

/** Upper-case, without dashes or spaces: how a user code is compared and hashed. */
export function normaliseUserCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  expiresIn: number;
  interval: number;
}

export async function startDeviceAuthorization(db: Db, clientId: string): Promise<DeviceAuthorization> {
  const deviceCode = randomBytes(32).toString('base64url');
  const at = new Date();
  for (let attempt = 0; ; attempt++) {
    const userCode = newUserCode();
    try {
      await db
        .insertInto('device_codes')
        .values({
          device_code_hash: sha256Hex(deviceCode),
          user_code_hash: sha256Hex(normaliseUserCode(userCode)),
          client_id: clientId,
          status: 'pending',
          interval_seconds: POLL_INTERVAL_SECONDS,
          created_at: timestampOf(at),
          expires_at: timestampOf(at.getTime() + DEVICE_CODE_TTL_SECONDS * 1000),
        })
        .execute();
      return { deviceCode, userCode, expiresIn: DEVICE_CODE_TTL_SECONDS, interval: POLL_INTERVAL_SECONDS };
    } catch (error) {
      // A user-code collision (unique hash) is astronomically rare; try a fresh code a few times.
      if (attempt >= 3) throw error;
    }
  }
}

/**
 * One poll of the token endpoint: the approving user's id when the device may have its tokens
 * (exactly once), or the OAuthError the client must see.
 */
export async function pollDeviceAuthorization(db: Db, deviceCode: string, clientId: string): Promise<number> {
  const row = await db.selectFrom('device_codes').selectAll().where('device_code_hash', '=', sha256Hex(deviceCode)).executeTakeFirst();
  if (!row || row.client_id !== clientId || row.status === 'consumed') {
    throw new OAuthError('invalid_grant', 'The device code is not valid.');
  }
  if (Date.parse(row.expires_at) <= Date.now()) throw new OAuthError('expired_token', 'The device code has expired; start again.');
  if (row.status === 'denied') throw new OAuthError('access_denied', 'The request was denied.');
  if (row.status === 'approved') {
    const taken = await db
      .updateTable('device_codes')
      .set({ status: 'consumed' })
      .where('id', '=', row.id)
      .where('status', '=', 'approved')
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 0 || row.user_id === null) throw new OAuthError('invalid_grant', 'The device code is not valid.');
    return row.user_id;
  }
  const at = Date.now();
  const tooSoon = row.last_polled_at !== null && at - Date.parse(row.last_polled_at) < row.interval_seconds * 1000;
  await db
    .updateTable('device_codes')
    .set({ last_polled_at: timestampOf(at), ...(tooSoon ? { interval_seconds: row.interval_seconds + 5 } : {}) })
    .where('id', '=', row.id)
    .execute();
  if (tooSoon) throw new OAuthError('slow_down', `Polling too fast; wait at least ${row.interval_seconds + 5} seconds between requests.`);
  throw new OAuthError('authorization_pending', 'The user has not approved the request yet.');
}

/** Approves or denies the pending request with this user code; a used, expired or unknown code is NOT_FOUND. */
export async function decideDeviceAuthorization(db: Db, userCode: string, userId: number, approve: boolean): Promise<void> {
  const decided = await db
    .updateTable('device_codes')
    .set({ status: approve ? 'approved' : 'denied', user_id: userId })
    .where('user_code_hash', '=', sha256Hex(normaliseUserCode(userCode)))
    .where('status', '=', 'pending')
    .where('expires_at', '>', now())
    .executeTakeFirst();
  if (Number(decided.numUpdatedRows) === 0) throw notFound('pending device request', userCode.slice(0, 16));
}
