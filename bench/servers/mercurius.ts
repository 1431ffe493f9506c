/**
 * Peer: Mercurius on fastify with graphql-jit (compiled after the first use of a query),
 * serving our unprotected Pothos schema with the same fixed-viewer context.
 * Usage: node --import tsx bench/servers/mercurius.ts --port N --db FILE|postgres://…
 */
import fastify from 'fastify';
import mercurius from 'mercurius';
import { schema } from '../../src/schema/index.js';
import { setUpPeer, stopOn } from './shared.js';

const peer = await setUpPeer();
const app = fastify({ logger: false });
await app.register(mercurius, {
  schema,
  path: '/graphql',
  graphiql: false,
  jit: 1,
  context: () => peer.context() as never,
});
await app.listen({ port: peer.port, host: '127.0.0.1' });
stopOn(() => app.close(), peer.database);
