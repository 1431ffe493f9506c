/** Helpers for the local identity provider tests: accounts, the OAuth endpoints, bearer headers. */
import { FlowLogInDocument, FlowSignUpDocument } from '../operations/generated/graphql.js';
import { graphqlOk } from './graphql.js';
import { startTestServer, type TestServer } from './server.js';
import type { DatabaseDialect } from '../../src/config.js';

export const PASSWORD = 'correct horse battery';

export function startLocalIdpServer(dialect: DatabaseDialect = 'sqlite', env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ dialect, env: { SKILLMEAT_AUTH_ENABLED: 'true', SKILLMEAT_AUTH_PROVIDER: 'local', ...env } });
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

export async function signUp(url: string, email: string, password = PASSWORD) {
  return (await graphqlOk(url, FlowSignUpDocument, { input: { email, password } })).signUp.session;
}

export async function logIn(url: string, email: string, password = PASSWORD) {
  return (await graphqlOk(url, FlowLogInDocument, { input: { email, password } })).logIn.session;
}

export interface FormAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs a form-encoded body, as OAuth clients do. */
export async function postForm(url: string, fields: Record<string, string>): Promise<FormAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceStart {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export async function startDevice(url: string, clientId = 'skillmeat-cli'): Promise<DeviceStart> {
  const answer = await postForm(`${url}/oauth/device/code`, { client_id: clientId });
  if (answer.status !== 200) throw new Error(`device code request failed: ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as DeviceStart;
}

export function pollToken(url: string, deviceCode: string, clientId = 'skillmeat-cli'): Promise<FormAnswer> {
  return postForm(`${url}/oauth/token`, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId });
}

export function refresh(url: string, refreshToken: string): Promise<FormAnswer> {
  return postForm(`${url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken });
}
