import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetSettingsDocument, ListUsersDocument, MeDocument, NodeDocument, UpdateSettingsDocument } from './operations/generated/graphql.js';
import { DIALECTS } from './support/databases.js';
import { graphqlOk } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('settings and users ($dialect)', ({ dialect, skip }) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!skip) server = await startTestServer({ dialect });
  });
  afterAll(async () => server?.stop());

  it.skipIf(skip)('settings start with registryName SkillMeat', async () => {
    expect(await graphqlOk(server.url, GetSettingsDocument)).toEqual({ settings: { registryName: 'SkillMeat' } });
  });

  it.skipIf(skip)('updateSettings persists the trimmed registryName', async () => {
    const { updateSettings } = await graphqlOk(server.url, UpdateSettingsDocument, { input: { registryName: '  Team registry  ' } });
    expect(updateSettings.settings).toEqual({ registryName: 'Team registry' });
    expect(await graphqlOk(server.url, GetSettingsDocument)).toEqual({ settings: { registryName: 'Team registry' } });

    const again = await graphqlOk(server.url, UpdateSettingsDocument, { input: { registryName: 'Renamed again' } });
    expect(again.updateSettings.settings.registryName).toBe('Renamed again');
    expect((await graphqlOk(server.url, GetSettingsDocument)).settings.registryName).toBe('Renamed again');
  });

  it.skipIf(skip)('updateSettings without a registryName, or with null, changes nothing', async () => {
    const before = (await graphqlOk(server.url, GetSettingsDocument)).settings.registryName;
    expect((await graphqlOk(server.url, UpdateSettingsDocument, { input: {} })).updateSettings.settings.registryName).toBe(before);
    expect((await graphqlOk(server.url, UpdateSettingsDocument, { input: { registryName: null } })).updateSettings.settings.registryName).toBe(
      before,
    );
    expect((await graphqlOk(server.url, GetSettingsDocument)).settings.registryName).toBe(before);
  });

  it.skipIf(skip)('settings survive a restart on the same database', async () => {
    await graphqlOk(server.url, UpdateSettingsDocument, { input: { registryName: 'Durable' } });
    await server.stop({ drop: false });
    server = await startTestServer({ dialect, database: server.database });
    expect((await graphqlOk(server.url, GetSettingsDocument)).settings.registryName).toBe('Durable');
  });

  it.skipIf(skip)('users lists the local user, with totalCount and pageInfo', async () => {
    const { me } = await graphqlOk(server.url, MeDocument);
    const { users } = await graphqlOk(server.url, ListUsersDocument, {});
    expect(users.totalCount).toBe(1);
    expect(users.edges).toHaveLength(1);
    expect(users.edges[0]?.node).toMatchObject({ id: me.user?.id, name: 'Local admin', role: 'LOCAL_ADMIN', teamId: 'local' });
    expect(users.edges[0]?.node.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(users.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: users.edges[0]?.cursor,
      endCursor: users.edges[0]?.cursor,
    });

    const next = await graphqlOk(server.url, ListUsersDocument, { first: 10, after: users.pageInfo.endCursor });
    expect(next.users).toMatchObject({ totalCount: 1, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
  });

  it.skipIf(skip)('the local user is the same one after a restart', async () => {
    const before = (await graphqlOk(server.url, MeDocument)).me.user?.id;
    await server.stop({ drop: false });
    server = await startTestServer({ dialect, database: server.database });
    const { users } = await graphqlOk(server.url, ListUsersDocument, { first: 10 });
    expect(users.totalCount).toBe(1);
    expect(users.edges.map((e) => e.node.id)).toEqual([before]);
    expect((await graphqlOk(server.url, NodeDocument, { id: before! })).node).toMatchObject({ __typename: 'User', userName: 'Local admin' });
  });
});
