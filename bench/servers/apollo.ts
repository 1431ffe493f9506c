/**
 * Peer: Apollo Server (current major) with its standalone node:http server, serving our
 * unprotected Pothos schema with the same fixed-viewer context.
 * Usage: node --import tsx bench/servers/apollo.ts --port N --db FILE|postgres://…
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Context } from '../../src/context/context.js';
import { schema } from '../../src/schema/index.js';
import { setUpPeer, stopOn } from './shared.js';

const peer = await setUpPeer();
// Our stopOn handles the signals; Apollo's own handler would re-raise SIGTERM after stopping.
const apollo = new ApolloServer<Context>({ schema, stopOnTerminationSignals: false });
await startStandaloneServer(apollo, {
  listen: { port: peer.port, host: '127.0.0.1' },
  context: async () => peer.context(),
});
stopOn(() => apollo.stop(), peer.database);
