/**
 * The OAuth side of the local identity provider, as a Yoga plugin:
 * - POST /oauth/device/code: RFC 8628 device authorization request (form-encoded client_id);
 * - POST /oauth/token: grant types device_code and refresh_token, errors as RFC 6749/8628 JSON;
 * - GET /.well-known/jwks.json and /.well-known/openid-configuration.
 */
import type { Plugin } from 'graphql-yoga';
import type { LocalIdentityProvider } from '../auth/local/identity-provider.js';
import { InvalidGrant, RefreshTokenReused, refreshSession, startSession, type Session } from '../auth/local/sessions.js';
import { SIGNING_ALG } from '../auth/local/signing-keys.js';
import { userById } from '../db/accounts.js';
import { audit } from '../db/audit.js';
import type { Db } from '../db/database.js';
import { OAuthError, pollDeviceAuthorization, startDeviceAuthorization } from '../db/device-codes.js';
import type { Logger } from '../logger.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const MAX_FORM_BYTES = 8 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' };

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

function oauthError(error: OAuthError): Response {
  // RFC 6749 §5.2: 400 for everything but invalid_client (401).
  return json({ error: error.error, error_description: error.description }, error.error === 'invalid_client' ? 401 : 400);
}

async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthError('invalid_request', 'Send the parameters form-encoded (application/x-www-form-urlencoded).');
  }
  const text = await request.text();
  if (text.length > MAX_FORM_BYTES) throw new OAuthError('invalid_request', 'The request body is too large.');
  return new URLSearchParams(text);
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value || value.length > 512 || value.includes('\u0000')) {
    throw new OAuthError('invalid_request', `The "${name}" parameter is required (at most 512 characters).`);
  }
  return value;
}

function tokenResponse(session: Session): Response {
  return json({
    access_token: session.accessToken,
    token_type: 'Bearer',
    expires_in: session.expiresIn,
    refresh_token: session.refreshToken,
  });
}

export function useOAuthEndpoints(db: Db, idp: LocalIdentityProvider, logger: Logger): Plugin {
  const handlers: Record<string, (request: Request) => Promise<Response>> = {
    'POST /oauth/device/code': async (request) => {
      const form = await readForm(request);
      const clientId = required(form, 'client_id');
      const started = await startDeviceAuthorization(db, clientId);
      const verificationUri = `${idp.issuer()}/device`;
      return json({
        device_code: started.deviceCode,
        user_code: started.userCode,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(started.userCode)}`,
        expires_in: started.expiresIn,
        interval: started.interval,
      });
    },
    'POST /oauth/token': async (request) => {
      const form = await readForm(request);
      const grantType = required(form, 'grant_type');
      if (grantType === DEVICE_GRANT) {
        const userId = await pollDeviceAuthorization(db, required(form, 'device_code'), required(form, 'client_id'));
        const user = await userById(db, userId);
        if (!user) throw new OAuthError('invalid_grant', 'The approving account no longer exists.');
        return tokenResponse(await startSession(db, idp, user));
      }
      if (grantType === 'refresh_token') {
        try {
          const session = await refreshSession(db, idp, required(form, 'refresh_token'), (id) => userById(db, id));
          await audit(db, { event: 'session.refreshed', outcome: 'success', actorUserId: session.user.id, teamId: session.user.teamId });
          return tokenResponse(session);
        } catch (error) {
          if (error instanceof RefreshTokenReused) {
            await audit(db, { event: 'session.reuse_detected', outcome: 'failure', actorUserId: error.userId, reason: 'refresh token used twice; family revoked' });
          }
          if (error instanceof InvalidGrant) throw new OAuthError('invalid_grant', error.message);
          throw error;
        }
      }
      throw new OAuthError('unsupported_grant_type', `Grant type "${grantType.slice(0, 80)}" is not supported.`);
    },
    'GET /.well-known/jwks.json': async () =>
      new Response(JSON.stringify(await idp.keys.publicJwks()), {
        headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' },
      }),
    'GET /.well-known/openid-configuration': async () => {
      const issuer = idp.issuer();
      return json({
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        token_endpoint: `${issuer}/oauth/token`,
        device_authorization_endpoint: `${issuer}/oauth/device/code`,
        grant_types_supported: [DEVICE_GRANT, 'refresh_token'],
        response_types_supported: [],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [SIGNING_ALG],
        token_endpoint_auth_methods_supported: ['none'],
      });
    },
  };
  return {
    async onRequest({ request, url, endResponse }) {
      const handler = handlers[`${request.method} ${url.pathname}`];
      if (!handler) return;
      try {
        endResponse(await handler(request));
      } catch (error) {
        if (error instanceof OAuthError) return endResponse(oauthError(error));
        logger.error({ err: error, path: url.pathname }, 'oauth endpoint failed');
        endResponse(json({ error: 'server_error', error_description: 'Something went wrong; try again.' }, 500));
      }
    },
  };
}
