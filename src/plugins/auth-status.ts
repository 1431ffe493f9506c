/**
 * HTTP semantics of auth, on top of the permission table:
 * - a request with no identity (auth enabled, no credential) gets 401 UNAUTHENTICATED for any
 *   operation (a subscription too), introspection included, unless every root field it selects
 *   is public;
 * - a response whose every root field was denied with FORBIDDEN is HTTP 403 (the rules note
 *   each denied root field in the context: with non-null root fields GraphQL reports only the
 *   first error, so the errors alone cannot tell).
 */
import { getOperationAST, Kind, type DocumentNode } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { ROOT_PERMISSIONS } from '../auth/permission-table.js';
import type { Context } from '../context/context.js';
import { unauthenticated } from '../errors.js';

const PUBLIC_ROOT_FIELDS = new Set(
  Object.values(ROOT_PERMISSIONS).flatMap((fields) =>
    Object.entries(fields)
      .filter(([, requirement]) => requirement.kind === 'public')
      .map(([field]) => field),
  ),
);

function onlyPublicFields(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation) return false;
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && PUBLIC_ROOT_FIELDS.has(s.name.value));
}

/** The response keys (alias or name) of the operation's root fields. */
function rootResponseKeys(document: DocumentNode, operationName: string | null | undefined): string[] {
  const operation = getOperationAST(document, operationName);
  return (operation?.selectionSet.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD ? [s.alias?.value ?? s.name.value] : []));
}

export function useAuthStatus(): Plugin<Context> {
  return {
    // A subscription goes to `subscribe`, not `execute`: the same gate, so it is 401 too.
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      if (context.viewer === null && !onlyPublicFields(args.document, args.operationName)) {
        setResultAndStopExecution({ errors: [unauthenticated()] });
      }
    },
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      if (context.viewer === null && !onlyPublicFields(args.document, args.operationName)) {
        setResultAndStopExecution({ errors: [unauthenticated()] });
        return;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result) || !result.errors?.length) return;
          const forbiddenAt = new Set(context.deniedRootFields);
          for (const e of result.errors) {
            if (e.path?.length === 1 && e.extensions?.code === 'FORBIDDEN') forbiddenAt.add(String(e.path[0]));
          }
          const keys = rootResponseKeys(args.document, args.operationName);
          if (keys.length > 0 && keys.every((key) => forbiddenAt.has(key))) {
            setResult({ ...result, extensions: { ...result.extensions, http: { status: 403 } } });
          }
        },
      };
    },
  };
}
