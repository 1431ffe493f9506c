/**
 * A direct path for the request nearly every client sends: `POST /graphql` with a JSON body of
 * one operation, from a script, the CLI or a server (no `Origin`, so no CORS). It skips the
 * generic part of Yoga's HTTP layer (a fetch Request built from the socket, every plugin's
 * onRequest URL check, the request-parser chain, a fetch Response written back), which costs
 * more per request than the GraphQL work of a small query, and keeps all the GraphQL part:
 * the same Yoga instance runs the operation (`getResultForParams`: onParams hooks, parse and
 * validation caches, Armor, context and auth, permissions, execution, error masking) and the
 * result goes through the same onResultProcess hooks and result processor, so status, headers
 * and body are Yoga's own.
 *
 * A body may name a trusted document by `documentId` instead of sending a `query`
 * (src/plugins/trusted-documents.ts, an onParams hook, so it runs here as in Yoga). An error a
 * hook throws before the operation runs (PERSISTED_QUERY_ONLY, …) is answered as Yoga answers it.
 *
 * Anything else (another path or method, another content type, an `Origin`, an Accept header
 * naming anything but JSON, a body that is not a JSON object of the GraphQL params with their
 * right types, or one with both a query and a documentId) is handed to Yoga untouched, which
 * answers it as before, errors included. test/graphql-post.test.ts and
 * test/trusted-documents.test.ts send the same requests both ways and compare the answers.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { GraphQLParams, YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { NodeServerContext } from './node-server-context.js';

type ResultProcessor = (result: ExecutionResult, fetchAPI: YogaServerInstance<NodeServerContext, object>['fetchAPI'], mediaType: string) => Response | Promise<Response>;

interface ResultProcessHookPayload {
  request: Request;
  result: ExecutionResult;
  acceptableMediaTypes: string[];
  setResult(result: ExecutionResult): void;
  resultProcessor: ResultProcessor | undefined;
  setResultProcessor(processor: ResultProcessor, mediaType: string): void;
  serverContext: NodeServerContext;
}

/** What this module uses of Yoga beyond its typed surface: the onResultProcess hooks it collected from the plugins. */
type ResultProcessHook = (payload: ResultProcessHookPayload) => unknown;
interface YogaInternals {
  onResultProcessHooks: ResultProcessHook[];
}

/** `application/json`, exactly as Yoga matches it (case and all), with at most a UTF-8 charset. */
const JSON_CONTENT_TYPE = /^application\/json(;\s*charset\s*=\s*"?(utf|UTF)-8"?\s*)?$/;
/** Accept values whose every media type is JSON (or any); others (SSE, multipart, odd charsets) go to Yoga. */
const JSON_ACCEPT = /^\s*(application\/(graphql-response\+)?json|\*\/\*)(\s*;\s*charset\s*=\s*utf-8)?(\s*,\s*(application\/(graphql-response\+)?json|\*\/\*)(\s*;\s*charset\s*=\s*utf-8)?)*\s*$/i;
/** A Host the request URL can be built from as is; anything else goes to Yoga, which answers it as it always has. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;
const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions', 'documentId']);

function isObjectOrNullish(value: unknown): boolean {
  return value == null || (typeof value === 'object' && !Array.isArray(value));
}

/** The body as GraphQL params when it is exactly what Yoga would accept without complaint; null otherwise. */
export function graphqlParamsOf(body: Buffer): GraphQLParams | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const params = parsed as Record<string, unknown>;
  for (const key in params) if (!PARAM_NAMES.has(key)) return null;
  // A query, or else a documentId (a string; anything else is the trusted-documents plugin's to refuse, via Yoga).
  if (typeof params['query'] !== 'string' && !(params['query'] === undefined && typeof params['documentId'] === 'string')) return null;
  if (params['query'] !== undefined && params['documentId'] !== undefined) return null;
  if (params['operationName'] != null && typeof params['operationName'] !== 'string') return null;
  if (!isObjectOrNullish(params['variables']) || !isObjectOrNullish(params['extensions'])) return null;
  return params as GraphQLParams;
}

/** Whether this request is one the direct path answers exactly as Yoga would. */
export function isPlainGraphQLPost(req: IncomingMessage & { body?: unknown }, endpoint: string): boolean {
  const headers = req.headers;
  return (
    req.method === 'POST' &&
    req.url === endpoint &&
    Buffer.isBuffer(req.body) &&
    typeof headers.host === 'string' &&
    PLAIN_HOST.test(headers.host) &&
    headers.origin === undefined &&
    headers['access-control-request-method'] === undefined &&
    typeof headers['content-type'] === 'string' &&
    JSON_CONTENT_TYPE.test(headers['content-type']) &&
    (headers.accept === undefined || JSON_ACCEPT.test(headers.accept))
  );
}

type Yoga<TContext extends object> = YogaServerInstance<NodeServerContext, TContext>;

/**
 * What `answer` calls of Yoga, read once: the Yoga instance is a Proxy whose every property read
 * makes a new bound or wrapping function.
 */
interface YogaCalls<TContext extends object> {
  fetchAPI: Yoga<TContext>['fetchAPI'];
  getResultForParams: Yoga<TContext>['getResultForParams'];
  resultProcessHooks: readonly ResultProcessHook[];
}

/** Whether a hook's answer is to be waited for (Yoga's own test: anything with a `then`). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value != null && typeof (value as { then?: unknown }).then === 'function';
}

async function answer<TContext extends object>(
  { fetchAPI, getResultForParams, resultProcessHooks }: YogaCalls<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  params: GraphQLParams,
): Promise<void> {
  const request = new fetchAPI.Request(`http://${req.headers.host}${req.url}`, {
    method: 'POST',
    headers: req.headers as Record<string, string>,
  });
  const serverContext: NodeServerContext = { req, res };
  let result: ExecutionResult;
  try {
    result = (await getResultForParams({ params, request }, serverContext)) as ExecutionResult;
  } catch (error) {
    // What Yoga's fetch layer does with an error an onParams hook threw on purpose: it is the answer.
    if (!(error instanceof GraphQLError) || error.originalError != null) throw error;
    result = { errors: [error] };
  }
  let processor: ResultProcessor | undefined;
  let mediaType = '*/*';
  const acceptableMediaTypes: string[] = [];
  for (const hook of resultProcessHooks) {
    const done = hook({
      request,
      result,
      acceptableMediaTypes,
      setResult(next) {
        result = next;
      },
      resultProcessor: processor,
      setResultProcessor(next, nextMediaType) {
        processor = next;
        mediaType = nextMediaType;
      },
      serverContext,
    });
    if (isThenable(done)) await done;
  }
  if (!processor) throw new Error(`no result processor for Accept: ${req.headers.accept ?? ''}`);
  const response = await processor(result, fetchAPI, mediaType);
  const body = await response.text();
  response.headers.forEach((value, key) => res.setHeader(key, value));
  res.writeHead(response.status).end(body);
}

export interface DirectGraphQLPost {
  /** Answers plain JSON POSTs to the endpoint directly and passes every other request to Yoga. */
  listener: RequestListener;
  /** How many requests it answered directly. */
  answered(): number;
}

export function withDirectGraphQLPost<TContext extends object>(yoga: Yoga<TContext>, logger: Logger, endpoint = '/graphql'): DirectGraphQLPost {
  // Should a Yoga upgrade drop what the direct path calls, every request goes through Yoga
  // instead of failing (test/graphql-post.test.ts then fails on its count of direct answers).
  const resultProcessHooks = (yoga as unknown as Partial<YogaInternals>).onResultProcessHooks;
  if (typeof yoga.getResultForParams !== 'function' || !Array.isArray(resultProcessHooks)) {
    logger.warn('this graphql-yoga has no getResultForParams or onResultProcessHooks: every request goes through its fetch layer');
    return { listener: yoga, answered: () => 0 };
  }
  const calls: YogaCalls<TContext> = { fetchAPI: yoga.fetchAPI, getResultForParams: yoga.getResultForParams, resultProcessHooks };
  let answered = 0;
  const listener: RequestListener = (req, res) => {
    const body = (req as IncomingMessage & { body?: unknown }).body;
    const params = isPlainGraphQLPost(req, endpoint) ? graphqlParamsOf(body as Buffer) : null;
    if (!params) return yoga(req, res);
    answered++;
    answer(calls, req, res, params).catch((error: unknown) => {
      logger.error({ err: error }, 'answering a GraphQL POST failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
    });
  };
  return { listener, answered: () => answered };
}
