/**
 * Error codes and statuses for bad GraphQL input:
 * - literal argument values of the wrong type (an unknown enum value, a string for an Int) are
 *   BAD_USER_INPUT, other validation failures GRAPHQL_VALIDATION_FAILED;
 * - variables that cannot be coerced to their declared type are BAD_USER_INPUT;
 * - a request refused before execution (parse, validation, variables) is HTTP 400 whatever the
 *   Accept header says (GraphQL over HTTP allows 200 for `application/json`; SPEC asks for 400).
 */
import { GraphQLError, ValuesOfCorrectTypeRule, specifiedRules, type ValidationRule } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

function withExtensions(error: GraphQLError, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, ...extensions },
  });
}

/** ValuesOfCorrectTypeRule, with the errors it reports marked BAD_USER_INPUT. */
const ArgumentValuesRule: ValidationRule = (context) =>
  ValuesOfCorrectTypeRule(
    Object.create(context, {
      reportError: { value: (error: GraphQLError) => context.reportError(withExtensions(error, { code: 'BAD_USER_INPUT' })) },
    }),
  );

const VARIABLE_COERCION = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /;
const REFUSED_BEFORE_EXECUTION = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

export function useInputErrorCodes(): Plugin {
  return {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((schema, document, rules, ...rest) =>
        validateFn(
          schema,
          document,
          (rules ?? specifiedRules).map((rule: ValidationRule) => (rule === ValuesOfCorrectTypeRule ? ArgumentValuesRule : rule)),
          ...rest,
        ),
      );
    },
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result) || !result.errors || result.data !== undefined) return;
          setResult({
            ...result,
            errors: result.errors.map((error) =>
              error.extensions?.code === undefined && VARIABLE_COERCION.test(error.message)
                ? withExtensions(error, { code: 'BAD_USER_INPUT' })
                : error,
            ),
          });
        },
      };
    },
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || isAsyncIterable(result) || 'data' in result || !result.errors?.length) return;
      const refused = result.errors.every((e) => REFUSED_BEFORE_EXECUTION.has(String(e.extensions?.code)));
      if (!refused) return;
      setResult({ ...result, extensions: { ...result.extensions, http: { ...result.extensions?.http, status: 400 } } });
    },
  };
}
