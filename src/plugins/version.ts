/** GET /version: what is running (package version, auth mode, database dialect). Always open. */
import type { Plugin } from 'graphql-yoga';

export interface VersionInfo {
  version: string;
  authMode: string;
  database: string;
}

export function useVersionEndpoint(info: VersionInfo, endpoint = '/version'): Plugin {
  const body = JSON.stringify(info);
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));
    },
  };
}
