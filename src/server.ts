/** The HTTP server: graphql-yoga on node:http, its plugins listed in order. Nothing else. */
import { createServer as createHttpServer, type Server } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import { sql } from 'kysely';
import type { AuthChain } from './auth/chain.js';
import { requestViewer } from './auth/request-viewer.js';
import type { Config } from './config.js';
import { createContext, type Context } from './context/context.js';
import type { Database } from './db/database.js';
import { hostPolicy, withAllowedHosts } from './http/allowed-hosts.js';
import { withBodyLimit } from './http/body-limit.js';
import { withSingleCredentialHeaders } from './http/credential-headers.js';
import { corsPolicy } from './http/cors.js';
import { useGraphiQL } from './http/graphiql.js';
import { withDirectGraphQLPost } from './http/graphql-post.js';
import type { NodeServerContext } from './http/node-server-context.js';
import { withRequestLog } from './http/request-log.js';
import { REST_BASE, useRestApi } from './http/rest/rest-api.js';
import { useDevicePage } from './http/device-page.js';
import { useOAuthEndpoints } from './http/oauth.js';
import type { LocalIdentityProvider } from './auth/local/identity-provider.js';
import type { Logger } from './logger.js';
import { ARMOR_LIMITS } from './plugins/armor-limits.js';
import { useAuthStatus } from './plugins/auth-status.js';
import { useCsrfPrevention } from './plugins/csrf-prevention.js';
import { useSqlExecution } from './plugins/sql-execution.js';
import { useTrustedDocuments } from './plugins/trusted-documents.js';
import { useValidationCache } from './plugins/validation-cache.js';
import { useInputErrorCodes } from './plugins/input-error-codes.js';
import { useNodeLimit } from './plugins/node-limit.js';
import { useKnownOperationTypes } from './plugins/operation-types.js';
import { useParamChecks } from './plugins/param-checks.js';
import { maskUnexpectedError } from './plugins/mask-errors.js';
import { useVersionEndpoint } from './plugins/version.js';
import { protectedSchema } from './schema/index.js';
import { VERSION } from './version.js';

export interface ServerDeps {
  config: Config;
  database: Database;
  authChain: AuthChain;
  logger: Logger;
  /** The local identity provider, when it runs (auth enabled, provider local). */
  idp: LocalIdentityProvider | null;
  /**
   * Plain JSON POSTs to /graphql answered by src/http/graphql-post.ts rather than through Yoga's
   * fetch layer (default true; the tests turn it off to compare the two).
   */
  directGraphQLPost?: boolean;
  /**
   * Read queries the fast path can plan answered from rows (src/plugins/sql-execution.ts) rather
   * than by the resolvers (default: config.sqlExecution).
   */
  sqlExecution?: boolean;
}

export interface SkillmeatServer {
  http: Server;
  yoga: YogaServerInstance<NodeServerContext, Context>;
  /** How many requests the direct path (src/http/graphql-post.ts) answered, for tests and debugging. */
  readonly directAnswers: () => number;
  /** How many operations the fast read path (src/plugins/sql-execution.ts) answered. */
  readonly sqlAnswers: () => number;
  /** How many of those were written as the writer's JSON text (not parsed and stringified again). */
  readonly sqlBodiesAsIs: () => number;
  /** How many times the fast read path failed with an unexpected error (each logged; the resolvers answered). */
  readonly sqlFailures: () => number;
}

/** /health/ready's wait for `select 1` when no statement timeout is configured. */
const READINESS_LIMIT_MS = 5000;

export function createServer({ config, database, authChain, logger, idp, directGraphQLPost = true, sqlExecution = config.sqlExecution }: ServerDeps): SkillmeatServer {
  const sqlPath = useSqlExecution(sqlExecution, logger);
  // The auth chain's answer, once per request: the trusted-documents check may ask before the context does.
  const viewerOf = requestViewer(authChain);
  const versionInfo = {
    version: VERSION,
    authMode: config.authEnabled ? config.authProvider : 'zero-auth',
    database: database.dialect,
  };
  // The guides' REST checks (/api/v1/…): fixed GraphQL documents run through this same Yoga.
  const rest = useRestApi(logger);
  const yoga = createYoga<NodeServerContext, Context>({
    schema: protectedSchema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // GraphiQL is served by useGraphiQL (src/http/graphiql.ts): from node_modules, not a CDN.
    graphiql: false,
    maskedErrors: { isDev: false, maskError: maskUnexpectedError(logger) },
    logging: false,
    // The body limit is enforced once, on the socket, by withBodyLimit (413 before GraphQL sees
    // the request); Yoga's own would pipe every body through a byte-counting stream again.
    maxRequestBodySize: false,
    // Off unless SKILLMEAT_CORS_ORIGINS names origins; never `*` (src/http/cors.ts).
    cors: corsPolicy(config.corsOrigins),
    // No file uploads: a multipart body is a form a page on another site can post.
    multipart: false,
    // Parsed documents are Yoga's to keep; validation results are useValidationCache's (last below).
    parserAndValidationCache: { validationCache: false },
    context: async ({ request, req }) => {
      const address = req?.socket.remoteAddress ?? null;
      return createContext(database.db, await viewerOf(request, address), address, idp);
    },
    plugins: [
      useVersionEndpoint(versionInfo),
      useVersionEndpoint(versionInfo, `${REST_BASE}/version`),
      useReadinessCheck({
        endpoint: '/health/ready',
        // Not ready is a bare 503: the database's own error goes to the log, not to the caller.
        // Bounded by the statement timeout (5 s when that is off): a database that is away or
        // hung, or a pool whose connections are all stuck, is 503 within it, not a probe that hangs.
        check: async () => {
          const limitMs = database.statementTimeoutMs || READINESS_LIMIT_MS;
          let timer: NodeJS.Timeout | undefined;
          const probe = sql`select 1`.execute(database.db);
          try {
            await Promise.race([
              probe,
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`the database did not answer select 1 within ${limitMs} ms`)), limitMs);
              }),
            ]);
            return true;
          } catch (error) {
            // The abandoned probe's own failure, later, is expected and not logged twice.
            probe.catch(() => {});
            logger.warn({ err: error }, 'readiness check failed');
            return false;
          } finally {
            clearTimeout(timer);
          }
        },
      }),
      useGraphiQL({ title: 'SkillMeat GraphQL API', endpoint: '/graphql' }),
      rest.plugin,
      ...(idp ? [useOAuthEndpoints(database.db, idp, logger), useDevicePage(database.db, idp, authChain)] : []),
      useCsrfPrevention(),
      useParamChecks(),
      useTrustedDocuments({ trusted: config.trustedDocuments?.documents ?? null, viewerOf }),
      EnvelopArmorPlugin(ARMOR_LIMITS),
      useNodeLimit(),
      useInputErrorCodes(),
      useAuthStatus(),
      useKnownOperationTypes(),
      sqlPath.plugin,
      // After every plugin with an onValidate hook (Armor, node-limit, input-error-codes).
      useValidationCache(),
    ],
  });

  rest.attach(yoga);
  const direct = directGraphQLPost ? withDirectGraphQLPost(yoga, logger) : null;
  const http = createHttpServer(withRequestLog(logger, withBodyLimit(withAllowedHosts(hostPolicy(config), withSingleCredentialHeaders(direct?.listener ?? yoga)))));
  return { http, yoga, directAnswers: () => direct?.answered() ?? 0, sqlAnswers: sqlPath.answered, sqlBodiesAsIs: sqlPath.writtenAsIs, sqlFailures: sqlPath.failed };
}
