/**
 * An operation of a type the schema has no root type for (this schema has no Subscription) is
 * HTTP 400 GRAPHQL_VALIDATION_FAILED. graphql-js 16's validation does not check it (only its
 * executor does, and Yoga sends a subscription to `subscribe`, where graphql-jit throws "No root
 * type for operation subscription": a 500). Checked where the operation would run, on execute and
 * on subscribe, after the auth gate (src/plugins/auth-status.ts): an unauthenticated caller is
 * told 401, as for any operation.
 */
import { getOperationAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operationTypeNotSupported } from '../errors.js';

function unsupportedOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): string | null {
  const operation = getOperationAST(document, operationName);
  return operation && !schema.getRootType(operation.operation) ? operation.operation : null;
}

export function useKnownOperationTypes(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = unsupportedOperation(args.schema, args.document, args.operationName);
      if (operation) setResultAndStopExecution({ errors: [operationTypeNotSupported(operation)] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const operation = unsupportedOperation(args.schema, args.document, args.operationName);
      if (operation) setResultAndStopExecution({ errors: [operationTypeNotSupported(operation)] });
    },
  };
}
