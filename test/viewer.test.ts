import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeDocument } from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { graphqlOk } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('me in zero-auth mode ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await startTestServer({ dialect });
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('is the local admin of team local, with every scope', async () => {
    const { me } = await graphqlOk(server.url, MeDocument);
    expect(me).toMatchObject({ role: 'LOCAL_ADMIN', authMethod: 'ZERO_AUTH', teamId: 'local' });
    expect(me.scopes).toEqual([
      'admin:settings',
      'admin:users',
      'artifacts:delete',
      'artifacts:read',
      'artifacts:write',
      'collections:read',
      'collections:write',
    ]);
    expect(me.user).toMatchObject({ name: 'Local admin', role: 'LOCAL_ADMIN', teamId: 'local' });
  });
});
