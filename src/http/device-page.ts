/**
 * The RFC 8628 verification page at /device: plain server-rendered HTML, no script at all.
 * A person signs in (or is signed in by a cookie holding a short-lived access token), sees the
 * user code (pre-filled from verification_uri_complete) and approves or denies it. Forms carry
 * a double-submit CSRF token, cookies are HttpOnly + SameSite=Strict, and a strict
 * Content-Security-Policy allows nothing but this page's own stylesheet and form posts.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { AuthChain } from '../auth/chain.js';
import type { LocalIdentityProvider } from '../auth/local/identity-provider.js';
import { underLoginLimits } from '../auth/local/password-attempts.js';
import { emailLimitKey } from '../auth/local/passwords.js';
import { ACCESS_TOKEN_TTL_SECONDS } from '../auth/local/signing-keys.js';
import { startSession } from '../auth/local/sessions.js';
import { constantTimeEqual } from '../secrets.js';
import type { Viewer } from '../vocabulary/viewer.js';
import { createContext } from '../context/context.js';
import { authenticateAccount } from '../auth/local/accounts.js';
import type { Db } from '../db/database.js';
import { errorCode } from '../errors.js';
import { decideDevice } from '../auth/local/device-decisions.js';
import { renderDecision, renderMessage, renderSignIn, STYLESHEET } from './device-page-html.js';

const SESSION_COOKIE = 'sm_device_session';
const CSRF_COOKIE = 'sm_device_csrf';
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function cookies(request: Request): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name) jar.set(name, decodeURIComponent(value.join('=')));
  }
  return jar;
}

function cookie(name: string, value: string, maxAge: number, secure: boolean): string {
  return `${name}=${encodeURIComponent(value)}; Path=/device; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

function page(html: string, status = 200, setCookies: string[] = []): Response {
  const headers = new Headers({ 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS });
  for (const c of setCookies) headers.append('set-cookie', c);
  return new Response(html, { status, headers });
}

export function useDevicePage(db: Db, idp: LocalIdentityProvider, chain: AuthChain): Plugin {
  const secure = () => idp.issuer().startsWith('https:');

  /** The signed-in person behind the session cookie, or null. */
  async function signedIn(request: Request, address: string | null): Promise<Viewer | null> {
    const token = cookies(request).get(SESSION_COOKIE);
    if (!token) return null;
    try {
      const viewer = await chain.resolve(new Request('http://device.local/', { headers: { authorization: `Bearer ${token}` } }), address);
      return viewer && viewer.authMethod === 'JWT' && viewer.userId !== null ? viewer : null;
    } catch {
      return null; // an expired or revoked session cookie: sign in again
    }
  }

  /** The CSRF token of this browser (from its cookie), minting one when it has none. */
  function csrfOf(request: Request): { token: string; setCookie: string[] } {
    const existing = cookies(request).get(CSRF_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { token: existing, setCookie: [] };
    const token = randomBytes(32).toString('base64url');
    return { token, setCookie: [cookie(CSRF_COOKIE, token, 3600, secure())] };
  }

  function validPost(request: Request, form: URLSearchParams): boolean {
    const origin = request.headers.get('origin');
    if (origin !== null && origin !== 'null' && origin !== new URL(idp.issuer()).origin && origin !== new URL(request.url).origin) return false;
    const expected = cookies(request).get(CSRF_COOKIE);
    const given = form.get('csrf');
    return !!expected && !!given && constantTimeEqual(expected, given);
  }

  async function show(request: Request, address: string | null, userCode: string, notice?: string): Promise<Response> {
    const csrf = csrfOf(request);
    const viewer = await signedIn(request, address);
    const html = viewer
      ? renderDecision({ csrf: csrf.token, userCode, notice, who: await whoIs(viewer) })
      : renderSignIn({ csrf: csrf.token, userCode, notice });
    return page(html, 200, csrf.setCookie);
  }

  async function whoIs(viewer: Viewer): Promise<string> {
    const row = await db.selectFrom('users').select(['email', 'name']).where('id', '=', viewer.userId ?? -1).executeTakeFirst();
    return row?.email ?? row?.name ?? 'you';
  }

  async function signIn(request: Request, form: URLSearchParams, address: string | null): Promise<Response> {
    const userCode = form.get('user_code') ?? '';
    const email = form.get('email') ?? '';
    try {
      const user = await underLoginLimits(idp.limits, { account: emailLimitKey(email), address }, () =>
        authenticateAccount(db, email, form.get('password') ?? ''),
      );
      const session = await startSession(db, idp, user);
      const target = `/device${userCode ? `?user_code=${encodeURIComponent(userCode)}` : ''}`;
      const headers = new Headers({ location: target, ...SECURITY_HEADERS });
      headers.append('set-cookie', cookie(SESSION_COOKIE, session.accessToken, ACCESS_TOKEN_TTL_SECONDS, secure()));
      return new Response(null, { status: 303, headers });
    } catch (error) {
      const code = errorCode(error);
      const notice = code === 'RATE_LIMITED' ? (error as Error).message : 'Invalid email or password.';
      return show(request, address, userCode, notice);
    }
  }

  async function decide(request: Request, form: URLSearchParams, address: string | null): Promise<Response> {
    const viewer = await signedIn(request, address);
    const userCode = form.get('user_code') ?? '';
    if (!viewer) return show(request, address, userCode, 'Your sign-in has expired; sign in again.');
    const approve = form.get('action') === 'approve';
    try {
      await decideDevice(createContext(db, viewer, address, idp), userCode, approve);
    } catch (error) {
      const notice =
        errorCode(error) === 'RATE_LIMITED' ? (error as Error).message : 'That code is not valid, was already used, or has expired.';
      return show(request, address, userCode, notice);
    }
    return page(
      renderMessage(
        approve ? 'Device approved' : 'Device denied',
        approve ? 'You can close this page and return to your terminal.' : 'The device was not given access.',
      ),
    );
  }

  return {
    async onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== '/device' && !url.pathname.startsWith('/device/')) return;
      const address = (serverContext as { req?: IncomingMessage }).req?.socket.remoteAddress ?? null;
      const route = `${request.method} ${url.pathname}`;
      if (route === 'GET /device/style.css') {
        return endResponse(new Response(STYLESHEET, { headers: { 'content-type': 'text/css', ...SECURITY_HEADERS } }));
      }
      if (route === 'GET /device') return endResponse(await show(request, address, url.searchParams.get('user_code') ?? ''));
      if (route === 'POST /device/login' || route === 'POST /device/decision') {
        const type = request.headers.get('content-type') ?? '';
        const form = type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(await request.text()) : new URLSearchParams();
        if (!validPost(request, form)) {
          return endResponse(page(renderMessage('Request refused', 'The form expired or came from another site. Reload the page and try again.'), 403));
        }
        return endResponse(route === 'POST /device/login' ? await signIn(request, form, address) : await decide(request, form, address));
      }
      endResponse(page(renderMessage('Not found', 'There is nothing here.'), 404));
    },
  };
}
