/**
 * Execution compiled once per document by graphql-jit (the plugin caches the compiled query on
 * the parsed document, which Yoga's parser cache hands back for the same text), instead of
 * walking the selection set on every request.
 *
 * Only for documents of one operation: the plugin's cache is keyed by the document alone, so a
 * document holding `mutation Make` and `query Count` would, once compiled for one of them, run
 * that one whatever operationName says next. Documents of several operations use the standard
 * executor. Resolvers, the permission middleware and errors are the same either way (the whole
 * test suite runs through it).
 */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export function hasOneOperation(document: DocumentNode): boolean {
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && ++operations > 1) return false;
  }
  return operations === 1;
}

export function useCompiledExecution(): Plugin {
  return useGraphQlJit({}, { enableIf: (args) => hasOneOperation(args.document) }) as Plugin;
}
