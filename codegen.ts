/**
 * graphql-codegen: typed documents for every operation the tests (and later the CLI) send,
 * generated from schema.graphql. A schema change that breaks one of them fails the typecheck.
 * `npm run codegen` writes them; `npm run check` fails when they are stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  // ESM: generated imports carry their .js extension.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/operations/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
        strictScalars: true,
        avoidOptionals: false,
      },
    },
  },
};

export default config;
