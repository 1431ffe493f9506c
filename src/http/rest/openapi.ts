/**
 * The OpenAPI 3.1 document of the REST routes (src/http/rest/rest-api.ts), served at
 * /api/v1/openapi.json. test/rest-api.test.ts checks every route's answers against the schemas
 * here, so the document and the routes cannot drift apart unnoticed.
 */
import { VERSION } from '../../version.js';

const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'DATABASE_BUSY',
  'PERSISTED_QUERY_ONLY',
  'INTERNAL_SERVER_ERROR',
];

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** Answered around every path before a route runs (body limit, Host allow-list): GraphQL's error shape. */
const outerError = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/GraphQLErrors' } } },
});

const unauthorized = {
  ...errorResponse('Auth enabled and no credential, or a rejected one (`UNAUTHENTICATED`), as for GraphQL.'),
  headers: {
    'WWW-Authenticate': {
      description: '`Bearer realm="skillmeat"`, plus `error="invalid_token"` when a credential was rejected.',
      schema: { type: 'string' },
    },
  },
};

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'SkillMeat REST API',
      version: VERSION,
      description:
        'REST routes over the SkillMeat GraphQL API: each runs a fixed GraphQL operation through the same schema, auth chain and ' +
        'permission table as /graphql, so statuses and error messages are GraphQL\'s. With auth disabled (zero-auth) no credential ' +
        'is needed; with auth enabled send `Authorization: Bearer <token>` (a local or OIDC access token, a personal access token, ' +
        'the enterprise PAT) or `X-API-Key: <key>`.',
    },
    paths: {
      '/api/v1/artifacts': {
        get: {
          operationId: 'listArtifacts',
          summary: 'A page of the artifacts the caller may see (GraphQL `artifacts`; needs artifacts:read).',
          parameters: [
            { name: 'first', in: 'query', description: 'Page size, 0–100 (default 20).', schema: { type: 'integer', minimum: 0, maximum: 100 } },
            { name: 'after', in: 'query', description: 'The `pageInfo.endCursor` of the page before.', schema: { type: 'string' } },
            { name: 'search', in: 'query', description: 'Case-insensitive match on name and description.', schema: { type: 'string' } },
            { name: 'type', in: 'query', description: 'Only artifacts of this type (any case).', schema: { $ref: '#/components/schemas/ArtifactType' } },
            { name: 'tag', in: 'query', description: 'Only artifacts with this tag.', schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'The page.', content: { 'application/json': { schema: { $ref: '#/components/schemas/ArtifactList' } } } },
            '400': errorResponse('A parameter that is unknown, repeated or out of range (`BAD_USER_INPUT`, `field` names it).'),
            '401': unauthorized,
            '403': errorResponse('The credential lacks artifacts:read (`FORBIDDEN`, with GraphQL\'s message).'),
            '421': outerError('A `Host` this server does not answer to (`HOST_NOT_ALLOWED`, DNS rebinding protection).'),
          },
        },
        post: {
          operationId: 'createArtifact',
          summary: 'Creates an artifact in the caller\'s team (GraphQL `createArtifact`; needs artifacts:write).',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateArtifact' } } },
          },
          responses: {
            '201': { description: 'Created.', content: { 'application/json': { schema: { $ref: '#/components/schemas/ArtifactCreated' } } } },
            '400': errorResponse('A body that is not a JSON object (`BAD_REQUEST`) or a field that is missing, unknown or invalid (`BAD_USER_INPUT`).'),
            '401': unauthorized,
            '403': errorResponse('The credential lacks artifacts:write (`FORBIDDEN`, with GraphQL\'s message).'),
            '404': errorResponse('A `collectionId` the caller cannot see (`NOT_FOUND`).'),
            '413': outerError('A body over 1 MiB (`PAYLOAD_TOO_LARGE`), answered before the route runs.'),
            '421': outerError('A `Host` this server does not answer to (`HOST_NOT_ALLOWED`, DNS rebinding protection).'),
            '415': errorResponse('A body that is not `application/json` (`UNSUPPORTED_MEDIA_TYPE`): a form cannot create artifacts.'),
          },
        },
      },
      '/api/v1/version': {
        get: {
          operationId: 'version',
          summary: 'What is running. Always open.',
          security: [],
          responses: { '200': { description: 'The version.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Version' } } } } },
        },
      },
      '/api/v1/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document. Always open.',
          security: [],
          responses: { '200': { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Liveness: 200 while the process serves. Always open.',
          security: [],
          responses: { '200': { description: 'Serving.' } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An access token, personal access token or the enterprise PAT.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The static key (SKILLMEAT_API_KEY) or a minted `sk-` key.' },
      },
      schemas: {
        ArtifactType: { type: 'string', enum: ['skill', 'command', 'agent', 'mcp', 'hook'], description: 'Sent in any case; answered in lower case.' },
        Visibility: { type: 'string', enum: ['public', 'team'], description: 'Sent in any case; answered in lower case.' },
        Artifact: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'name', 'type', 'description', 'tags', 'visibility', 'teamId', 'owner', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'string', description: 'The Relay global id, as in GraphQL.' },
            name: { type: 'string' },
            type: { $ref: '#/components/schemas/ArtifactType' },
            description: { type: ['string', 'null'] },
            tags: { type: 'array', items: { type: 'string' } },
            visibility: { $ref: '#/components/schemas/Visibility' },
            teamId: { type: ['string', 'null'] },
            owner: {
              oneOf: [
                { type: 'null' },
                { type: 'object', additionalProperties: false, required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: ['string', 'null'] } } },
              ],
            },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        ArtifactList: {
          type: 'object',
          additionalProperties: false,
          required: ['artifacts', 'pageInfo', 'totalCount'],
          properties: {
            artifacts: { type: 'array', items: { $ref: '#/components/schemas/Artifact' } },
            pageInfo: {
              type: 'object',
              additionalProperties: false,
              required: ['hasNextPage', 'endCursor'],
              properties: { hasNextPage: { type: 'boolean' }, endCursor: { type: ['string', 'null'] } },
            },
            totalCount: { type: 'integer', minimum: 0 },
          },
        },
        CreateArtifact: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'type'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            type: { $ref: '#/components/schemas/ArtifactType' },
            description: { type: ['string', 'null'] },
            tags: { type: ['array', 'null'], items: { type: 'string' }, maxItems: 50 },
            visibility: { $ref: '#/components/schemas/Visibility' },
            collectionId: { type: ['string', 'null'], description: 'A collection of the caller\'s to add it to.' },
          },
        },
        ArtifactCreated: {
          type: 'object',
          additionalProperties: false,
          required: ['artifact'],
          properties: { artifact: { $ref: '#/components/schemas/Artifact' } },
        },
        Version: {
          type: 'object',
          additionalProperties: false,
          required: ['version', 'authMode', 'database'],
          properties: {
            version: { type: 'string' },
            authMode: { type: 'string', enum: ['zero-auth', 'local', 'clerk'] },
            database: { type: 'string', enum: ['sqlite', 'postgres'] },
          },
        },
        GraphQLErrors: {
          type: 'object',
          required: ['errors'],
          properties: {
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['message', 'extensions'],
                properties: { message: { type: 'string' }, extensions: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } } },
              },
            },
          },
        },
        Error: {
          type: 'object',
          additionalProperties: false,
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: ERROR_CODES },
                message: { type: 'string' },
                field: { type: 'string', description: 'For BAD_USER_INPUT: the parameter or field at fault.' },
              },
            },
          },
        },
      },
    },
    // Zero-auth needs no credential ({}); with auth enabled, one of these.
    security: [{}, { bearer: [] }, { apiKey: [] }],
  };
}
