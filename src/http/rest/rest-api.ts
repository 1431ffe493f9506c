/**
 * The REST routes the SkillMeat guides check a deployment with, as a Yoga plugin:
 * - GET  /api/v1/artifacts   a page of artifacts (`?first=&after=&search=&type=&tag=`);
 * - POST /api/v1/artifacts   creates one from a JSON body (`{"name":"my-artifact","type":"skill"}`);
 * - GET  /api/v1/openapi.json  the OpenAPI document of these routes (src/http/rest/openapi.ts).
 * (`/api/v1/version` is the /version plugin at a second path, src/server.ts.)
 *
 * Each route is a fixed GraphQL document (src/http/rest/operations/rest.graphql, typed by
 * codegen, its manifest built into the trusted documents) run through the same Yoga instance as
 * /graphql with `getResultForParams`, as the direct path does (src/http/graphql-post.ts): the
 * same onParams hooks, context and auth chain, permission table, Armor, error masking and
 * auth statuses (src/plugins/auth-status.ts). So a route answers what the GraphQL operation
 * would: 401 with the same WWW-Authenticate, 403 with the same message. The answer is mapped to
 * JSON of its own: `{"artifacts":[…],"pageInfo":{…},"totalCount":n}`, `{"artifact":{…}}`, or
 * `{"error":{"code","message"}}` (with `field` for BAD_USER_INPUT) and the GraphQL status.
 *
 * Browser safety: the routes go through the Host allow-list, body limit, request log and CORS
 * like everything else (they are inside Yoga), but Yoga's CSRF check (src/plugins/csrf-
 * prevention.ts, onRequestParse) does not see them, so the POST route takes JSON only (415 for a
 * form, multipart, text/plain or none: what a page on another site can post without a
 * preflight). GET runs a query: no side effect.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { GraphQLParams, Plugin, YogaServerInstance } from 'graphql-yoga';
import type { Context } from '../../context/context.js';
import { badInput, badRequest, unsupportedMediaType } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { NodeServerContext } from '../node-server-context.js';
import { RestArtifactsDocument, RestCreateArtifactDocument, type RestArtifactFragment } from './operations/generated/graphql.js';
import { openApiDocument } from './openapi.js';

export const REST_BASE = '/api/v1';

const ARTIFACT_TYPES = ['SKILL', 'COMMAND', 'AGENT', 'MCP', 'HOOK'] as const;
const VISIBILITIES = ['PUBLIC', 'TEAM'] as const;
const LIST_PARAMS = new Set(['first', 'after', 'search', 'type', 'tag']);
const CREATE_FIELDS = new Set(['name', 'type', 'description', 'tags', 'visibility', 'collectionId']);
const JSON_MEDIA_TYPES = ['application/json', 'application/graphql+json'];
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A GraphQL code's HTTP status when the error itself names none. */
const STATUS_OF_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  GRAPHQL_PARSE_FAILED: 400,
  PERSISTED_QUERY_ONLY: 400,
  PERSISTED_QUERY_NOT_FOUND: 400,
  RATE_LIMITED: 429,
  DATABASE_BUSY: 503,
};

type Yoga = YogaServerInstance<NodeServerContext, Context>;

interface HttpExtension {
  status?: number;
  headers?: Record<string, string>;
}

/** The documentId (`sha256:<hex>`) codegen embeds in each document it generates. */
function documentIdOf(document: unknown): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') throw new Error('a REST document has no embedded hash: run npm run codegen');
  return hash;
}

const LIST_ID = documentIdOf(RestArtifactsDocument);
const CREATE_ID = documentIdOf(RestCreateArtifactDocument);

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** `{"error":{"code","message"}}` from a GraphQLError, with its status and headers (WWW-Authenticate, Retry-After). */
function errorResponse(error: GraphQLError, fallbackStatus?: number): Response {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
  const http = (error.extensions?.http ?? {}) as HttpExtension;
  const status = http.status ?? fallbackStatus ?? STATUS_OF_CODE[code] ?? 500;
  const field = typeof error.extensions?.field === 'string' ? { field: error.extensions.field } : {};
  return json({ error: { code, message: error.message, ...field } }, status, http.headers ?? {});
}

function methodNotAllowed(allow: string): Response {
  return json({ error: { code: 'BAD_REQUEST', message: `This route takes ${allow}.` } }, 405, { allow });
}

function isJsonBody(contentType: string | null): boolean {
  const essence = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return essence !== undefined && JSON_MEDIA_TYPES.includes(essence);
}

/** A case-insensitive enum value (`skill` → `SKILL`), or a BAD_USER_INPUT naming the allowed ones. */
function enumValue<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  const upper = typeof value === 'string' ? value.toUpperCase() : null;
  const found = allowed.find((v) => v === upper);
  if (found === undefined) {
    throw badInput(`"${field}" must be one of ${allowed.map((v) => v.toLowerCase()).join(', ')}.`, field);
  }
  return found;
}

/** The GraphQL variables of GET /api/v1/artifacts from its query string. */
function listVariables(url: URL): Record<string, unknown> {
  const seen = new Set<string>();
  for (const name of url.searchParams.keys()) {
    if (!LIST_PARAMS.has(name)) throw badInput(`Unknown query parameter "${name.slice(0, 40)}"; this route takes ${[...LIST_PARAMS].join(', ')}.`, name.slice(0, 40));
    if (seen.has(name)) throw badInput(`The query parameter "${name}" is given more than once.`, name);
    seen.add(name);
  }
  const params = url.searchParams;
  const variables: Record<string, unknown> = {};
  const first = params.get('first');
  if (first !== null) {
    if (!/^[0-9]{1,4}$/.test(first)) throw badInput('"first" must be a whole number from 0 to 100.', 'first');
    variables['first'] = Number(first);
  }
  const after = params.get('after');
  if (after !== null) variables['after'] = after;
  const filter: Record<string, unknown> = {};
  const search = params.get('search');
  if (search !== null) filter['search'] = search;
  const tag = params.get('tag');
  if (tag !== null) filter['tag'] = tag;
  const type = params.get('type');
  if (type !== null) filter['type'] = enumValue(type, ARTIFACT_TYPES, 'type');
  if (Object.keys(filter).length > 0) variables['filter'] = filter;
  return variables;
}

/** The CreateArtifactInput of POST /api/v1/artifacts from its JSON body. */
async function createInput(request: Request): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    throw badRequest('The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object: {"name": "my-artifact", "type": "skill"}.');
  }
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!CREATE_FIELDS.has(key)) throw badInput(`Unknown field "${key.slice(0, 40)}"; an artifact takes ${[...CREATE_FIELDS].join(', ')}.`, key.slice(0, 40));
  }
  const string = (key: string, optional: boolean): void => {
    const value = fields[key];
    if (value === undefined || (optional && value === null)) return;
    if (typeof value !== 'string') throw badInput(`"${key}" must be a string.`, key);
  };
  string('name', false);
  if (fields['name'] === undefined) throw badInput('"name" is required.', 'name');
  if (fields['type'] === undefined) throw badInput('"type" is required.', 'type');
  string('description', true);
  string('collectionId', true);
  const tags = fields['tags'];
  if (tags !== undefined && tags !== null && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    throw badInput('"tags" must be an array of strings.', 'tags');
  }
  const input: Record<string, unknown> = { ...fields, type: enumValue(fields['type'], ARTIFACT_TYPES, 'type') };
  if (fields['visibility'] !== undefined && fields['visibility'] !== null) input['visibility'] = enumValue(fields['visibility'], VISIBILITIES, 'visibility');
  return input;
}

/** An artifact as the REST routes show it: enums in lower case, as they are sent. */
function restArtifact(artifact: RestArtifactFragment): Record<string, unknown> {
  return { ...artifact, type: artifact.type.toLowerCase(), visibility: artifact.visibility.toLowerCase() };
}

export interface RestApi {
  plugin: Plugin;
  /** The Yoga instance the routes run their documents through (created after its plugins). */
  attach(yoga: Yoga): void;
}

export function useRestApi(logger: Logger): RestApi {
  let yoga: Yoga | null = null;
  const openApi = JSON.stringify(openApiDocument());

  /** Runs one of the REST documents through Yoga: the answer, or the GraphQLError it stopped with. */
  async function run(documentId: string, variables: Record<string, unknown>, request: Request, serverContext: NodeServerContext): Promise<ExecutionResult> {
    if (yoga === null) throw new Error('the REST routes were not attached to Yoga');
    const params: GraphQLParams = { variables };
    (params as { documentId?: string }).documentId = documentId;
    try {
      return (await yoga.getResultForParams({ params, request }, serverContext)) as ExecutionResult;
    } catch (error) {
      // An error a hook or the context factory threw on purpose (a rejected credential: 401) is the answer.
      if (!(error instanceof GraphQLError) || error.originalError != null) throw error;
      return { errors: [error] };
    }
  }

  /** The root field's data, or the error answer: the first error, at the status GraphQL gives it. */
  function answer<T>(result: ExecutionResult, field: string, toBody: (data: T) => unknown, status = 200): Response {
    const data = (result.data as Record<string, unknown> | null | undefined)?.[field];
    if (data != null) return json(toBody(data as T), status);
    const error = result.errors?.[0];
    if (!error) throw new Error(`no data and no error for ${field}`);
    const resultStatus = (result.extensions?.['http'] as HttpExtension | undefined)?.status;
    return errorResponse(error, resultStatus);
  }

  const routes: Record<string, Partial<Record<string, (request: Request, url: URL, serverContext: NodeServerContext) => Promise<Response>>>> = {
    [`${REST_BASE}/artifacts`]: {
      GET: async (request, url, serverContext) => {
        const result = await run(LIST_ID, listVariables(url), request, serverContext);
        return answer<{ totalCount: number; pageInfo: unknown; edges: { node: RestArtifactFragment }[] }>(result, 'artifacts', (page) => ({
          artifacts: page.edges.map((edge) => restArtifact(edge.node)),
          pageInfo: page.pageInfo,
          totalCount: page.totalCount,
        }));
      },
      POST: async (request, _url, serverContext) => {
        if (!isJsonBody(request.headers.get('content-type'))) {
          throw unsupportedMediaType(`POST ${REST_BASE}/artifacts`);
        }
        const input = await createInput(request);
        const result = await run(CREATE_ID, { input }, request, serverContext);
        return answer<{ artifact: RestArtifactFragment }>(result, 'createArtifact', (payload) => ({ artifact: restArtifact(payload.artifact) }), 201);
      },
    },
    [`${REST_BASE}/openapi.json`]: {
      GET: async () => new Response(openApi, { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' } }),
    },
  };

  return {
    attach(instance) {
      yoga = instance;
    },
    plugin: {
      async onRequest({ request, url, endResponse, serverContext }) {
        if (url.pathname !== REST_BASE && !url.pathname.startsWith(`${REST_BASE}/`)) return;
        // /api/v1/version is the version plugin's (it runs before this one).
        const route = routes[url.pathname];
        if (!route) {
          endResponse(json({ error: { code: 'NOT_FOUND', message: `No route ${url.pathname.slice(0, 100)}; see ${REST_BASE}/openapi.json.` } }, 404));
          return;
        }
        const handler = route[request.method];
        if (!handler) {
          endResponse(methodNotAllowed(Object.keys(route).join(', ')));
          return;
        }
        try {
          endResponse(await handler(request, url, serverContext as unknown as NodeServerContext));
        } catch (error) {
          if (error instanceof GraphQLError && error.originalError == null) {
            endResponse(errorResponse(error));
            return;
          }
          logger.error({ err: error, path: url.pathname }, 'REST route failed');
          endResponse(json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } }, 500));
        }
      },
    },
  };
}
