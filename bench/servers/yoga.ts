/**
 * Peer: bare graphql-yoga on node:http serving our unprotected Pothos schema (no shield, no
 * auth, no plugins of ours). `--jit` adds @envelop/graphql-jit.
 * Usage: node --import tsx bench/servers/yoga.ts --port N --db FILE|postgres://… [--jit]
 */
import { createServer } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createYoga } from 'graphql-yoga';
import type { Context } from '../../src/context/context.js';
import { schema } from '../../src/schema/index.js';
import { setUpPeer, stopOn } from './shared.js';

const peer = await setUpPeer();
const yoga = createYoga<object, Context>({
  schema,
  graphqlEndpoint: '/graphql',
  graphiql: false,
  landingPage: false,
  logging: false,
  context: () => peer.context(),
  plugins: peer.flag('jit') ? [useGraphQlJit()] : [],
});
const server = createServer(yoga);
server.listen(peer.port, '127.0.0.1');
stopOn(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  peer.database,
);
