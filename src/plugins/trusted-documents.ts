/**
 * Trusted documents: a request may name a document of a persisted-documents.json manifest
 * (graphql-codegen's, see codegen.ts) instead of sending its text, as `{"documentId":
 * "sha256:<hex>"}` in a POST body or `?documentId=sha256:<hex>` on a GET (queries only; the
 * bare `<hex>` is accepted too, src/persisted-documents.ts). graphql-yoga's persisted-operations
 * plugin looks the id up and puts the document's text in the params, so everything after this
 * (the parse and validation caches, Armor, auth, the SQL path) sees an ordinary query.
 *
 * - SKILLMEAT_TRUSTED_DOCUMENTS unset: the built-in manifests (the CLI's operations and the REST
 *   routes', src/http/rest/) answer
 *   documentIds, and any document sent as text runs, as before.
 * - Set: its manifest and the built-in one (the CLI's own operations stay usable on any server)
 *   answer documentIds, and a document sent as text runs only when it is, byte for byte, one of
 *   theirs (what the CLI sends) or when the caller is SYSTEM_ADMIN
 *   or LOCAL_ADMIN (to explore in GraphiQL); others get 400 PERSISTED_QUERY_ONLY, and a caller
 *   without a credential 401 (an admin's credential is what would let the text run). A bad
 *   credential is the auth chain's 401, as everywhere.
 *
 * The role is the auth chain's, and the chain runs in the context factory, after the parse; the
 * check runs before it, so a document a caller may not send is never parsed. The persisted-
 * operations plugin's `allowArbitraryOperations` hook gets the request alone, while this check
 * needs the text and the caller's address (the chain audits a rejected credential with it), so
 * the check is this plugin's own onParams; the chain's answer is shared with the context
 * (src/auth/request-viewer.ts), so it still runs once per request.
 */
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { RequestViewer } from '../auth/request-viewer.js';
import type { Role } from '../vocabulary/scopes.js';
import { badInput, persistedQueryNotFound, persistedQueryOnly, unauthenticated } from '../errors.js';
import { documentKey, keyOfText, readManifest, type TrustedDocuments } from '../persisted-documents.js';
import type { NodeServerContext } from '../http/node-server-context.js';

/**
 * The manifests graphql-codegen writes for the CLI's operations (src/cli/operations/) and for
 * the operations behind the REST routes (src/http/rest/operations/): always trusted.
 */
const BUILT_IN_MANIFESTS = [
  new URL('../cli/operations/generated/persisted-documents.json', import.meta.url),
  new URL('../http/rest/operations/generated/persisted-documents.json', import.meta.url),
];

/** Who may send documents that are not in the manifest when only trusted documents run. */
const ARBITRARY_DOCUMENT_ROLES: ReadonlySet<Role> = new Set(['SYSTEM_ADMIN', 'LOCAL_ADMIN']);

export interface TrustedDocumentsOptions {
  /** The manifest (SKILLMEAT_TRUSTED_DOCUMENTS); null: the built-in one, and any text runs. */
  trusted: TrustedDocuments | null;
  viewerOf: RequestViewer;
}

export function builtInDocuments(): TrustedDocuments {
  return new Map(BUILT_IN_MANIFESTS.flatMap((manifest) => [...readManifest(manifest)]));
}

/** The documentId of a request: the body's, or on a GET the URL's (Yoga's GET parser keeps the four GraphQL params alone). */
function documentIdOf(params: GraphQLParams, request: Request): unknown {
  const fromBody = (params as { documentId?: unknown }).documentId;
  if (fromBody != null) return fromBody;
  if (request.method !== 'GET' || !request.url.includes('documentId=')) return null;
  return new URL(request.url).searchParams.get('documentId');
}

export function useTrustedDocuments({ trusted, viewerOf }: TrustedDocumentsOptions): Plugin {
  const builtIn = builtInDocuments();
  const documents: TrustedDocuments = trusted === null ? builtIn : new Map([...builtIn, ...trusted]);
  const onlyTrusted = trusted !== null;
  const persisted = usePersistedOperations({
    extractPersistedOperationId: (params, request) => {
      const id = documentIdOf(params, request);
      return typeof id === 'string' ? id : null;
    },
    getPersistedOperation: (id) => {
      const key = documentKey(id);
      return (key !== null && documents.get(key)) || null;
    },
    // Decided in onParams below, before this plugin sees a request with a query.
    allowArbitraryOperations: true,
    customErrors: {
      notFound: ({ params, request }) => persistedQueryNotFound(String(documentIdOf(params, request))),
    },
  });

  return {
    onParams(payload) {
      const { params, request } = payload;
      const id = documentIdOf(params, request);
      if (id !== null) {
        if (typeof id !== 'string') throw badInput('documentId must be a string: "sha256:" and the document\'s SHA-256 in hex.', 'documentId');
        if (params.query != null) throw badInput('Send either a documentId or a query, not both.', 'documentId');
        return persisted.onParams!(payload);
      }
      // Without a query Yoga's own checks answer, as they always have.
      if (!onlyTrusted || typeof params.query !== 'string' || documents.has(keyOfText(params.query))) return;
      // onParams gets the server context: node:http's req on both paths (src/http/graphql-post.ts too).
      const { req } = payload.context as Partial<NodeServerContext>;
      return viewerOf(request, req?.socket.remoteAddress ?? null).then((viewer) => {
        if (viewer === null) {
          throw unauthenticated('Authentication required: without a SYSTEM_ADMIN or LOCAL_ADMIN credential this server runs trusted documents only (send a documentId).');
        }
        if (!ARBITRARY_DOCUMENT_ROLES.has(viewer.role)) throw persistedQueryOnly();
      });
    },
  };
}
