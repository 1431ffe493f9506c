/**
 * graphql-codegen: typed documents for every operation the tests and the CLI send, generated
 * from schema.graphql. A schema change that breaks one of them fails the typecheck.
 * `npm run codegen` writes them; `npm run check` fails when they are stale.
 * Each output has its own documents (root-level documents would be merged into every output).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const output = {
  preset: 'client',
  presetConfig: {
    fragmentMasking: false,
    // Each output also writes persisted-documents.json ("sha256:<hex>" → document), the trusted
    // documents the server accepts by documentId (src/plugins/trusted-documents.ts). The hash is
    // embedded in each document (`__meta__.hash`) and the document itself kept, so it can still be
    // printed and sent as text.
    persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
  },
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    scalars: { DateTime: 'string' },
    strictScalars: true,
    avoidOptionals: false,
  },
} as const;

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: false,
  // ESM: generated imports carry their .js extension.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/operations/generated/': { ...output, documents: ['test/operations/**/*.graphql'] },
    // The operations of the command-line client (src/cli/).
    'src/cli/operations/generated/': { ...output, documents: ['src/cli/operations/**/*.graphql'] },
    // The operations behind the REST routes (src/http/rest/).
    'src/http/rest/operations/generated/': { ...output, documents: ['src/http/rest/operations/**/*.graphql'] },
  },
};

export default config;
