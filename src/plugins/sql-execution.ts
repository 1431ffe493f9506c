/**
 * Read queries answered by one SQL statement instead of the resolvers, on SQLite: a query of one
 * page, or of one page with one page inside its rows, from its rows, written as JSON by a writer
 * made per plan (src/db/page-rows.ts); one with pages deeper or side by side by a statement that
 * builds the JSON (src/db/json-response.ts). A query
 * qualifies when it is one `query` operation whose every field the statement knows how to read
 * and whose every field the permission table allows this viewer without looking at the data:
 *
 * - root fields `artifacts` (without a filter), `collections` and `__typename`;
 * - connections' `edges { node cursor }`, `pageInfo` and `__typename` (not `totalCount`);
 * - the column fields of Artifact, Collection and User (COLUMN_FIELDS, each only while the
 *   schema gives it the type it is read as), `Artifact.owner`, `Collection.artifacts` and
 *   `Artifact.collections`;
 * - no fragments and no directives; arguments as literals or variables.
 *
 * Rules come from the same table as shield's (ruleFor), judged by passesForCaller (rules.ts): a
 * plain allow, or a rule that depends on the caller alone and that this caller passes. A rule that
 * would deny, or one that reads the row (User.email), leaves the query to the resolvers, so
 * every denial and every error is still the resolvers' own. So does anything else not listed,
 * bad page arguments included, and a statement that fails (a stored value that GraphQL would not
 * pass through unchanged): the answer is then exactly what it would have been without this
 * plugin. test/sql-execution.test.ts compares the two answers, byte for byte, for every identity.
 */
import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isObjectType,
  Kind,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ruleFor } from '../auth/permissions.js';
import { passesForCaller } from '../auth/rules.js';
import type { Scope } from '../auth/scopes.js';
import type { Viewer } from '../auth/viewer.js';
import type { Context } from '../context/context.js';
import {
  answerInSql,
  COLUMN_FIELDS,
  type ConnectionField,
  type ConnectionPlan,
  type ConnectionSource,
  type EdgeField,
  type PageInfoField,
  type ResponseField,
  type ResponsePlan,
  type RowField,
  type RowPlan,
  type RowType,
} from '../db/json-response.js';
import { answerFromRows, isAnsweredFromRows } from '../db/page-rows.js';
import { pageWindow } from '../db/pagination.js';
import { readAccess } from '../db/tenancy.js';

/** Thrown while planning when the query is not one this path answers; caught in planResponse. */
class NotAnswerable extends Error {}

function notAnswerable(): never {
  throw new NotAnswerable();
}

/** The list each connection field pages through, and the scope that guards the listed rows. */
const CONNECTIONS: Readonly<Record<string, { source: ConnectionSource; readScope: Scope; node: RowType }>> = {
  'Query.artifacts': { source: 'artifacts', readScope: 'artifacts:read', node: 'Artifact' },
  'Query.collections': { source: 'collections', readScope: 'collections:read', node: 'Collection' },
  'Collection.artifacts': { source: 'artifactsOfCollection', readScope: 'artifacts:read', node: 'Artifact' },
  'Artifact.collections': { source: 'collectionsOfArtifact', readScope: 'collections:read', node: 'Collection' },
};

const PAGE_INFO_FIELDS = new Set(['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor']);

class Planner {
  /** Every connection planned so far, each at its index. */
  readonly connections: ConnectionPlan[] = [];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly viewer: Viewer | null,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** The fields of a selection set, in order: plain fields only, each response key once, no directives. */
  private fieldsOf(selectionSet: SelectionSetNode | undefined): FieldNode[] {
    if (!selectionSet) notAnswerable();
    const keys = new Set<string>();
    return selectionSet.selections.map((selection) => {
      if (selection.kind !== Kind.FIELD || (selection.directives?.length ?? 0) > 0) notAnswerable();
      const key = selection.alias?.value ?? selection.name.value;
      if (keys.has(key)) notAnswerable();
      keys.add(key);
      return selection;
    });
  }

  /** The field's definition on `type`, once the permission table lets this viewer read it. */
  private definition(type: GraphQLObjectType, node: FieldNode): GraphQLField<unknown, unknown> {
    const definition = type.getFields()[node.name.value];
    if (!definition || !passesForCaller(ruleFor(type.name, node.name.value), this.viewer)) notAnswerable();
    return definition;
  }

  private args(definition: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    try {
      return getArgumentValues(definition, node, this.variables);
    } catch {
      return notAnswerable();
    }
  }

  response(selectionSet: SelectionSetNode): ResponseField[] {
    const query = this.schema.getQueryType() ?? notAnswerable();
    return this.fieldsOf(selectionSet).map((node): ResponseField => {
      const key = node.alias?.value ?? node.name.value;
      if (node.name.value === '__typename') return { key, kind: 'constant', value: query.name };
      return { key, kind: 'connection', connection: this.connection(query, node) };
    });
  }

  private connection(parent: GraphQLObjectType, node: FieldNode): ConnectionPlan {
    const list = CONNECTIONS[`${parent.name}.${node.name.value}`] ?? notAnswerable();
    const definition = this.definition(parent, node);
    const args = this.args(definition, node);
    for (const name of Object.keys(args)) if (name !== 'first' && name !== 'after' && !(name === 'filter' && args[name] == null)) notAnswerable();
    let window;
    try {
      window = pageWindow(args as { first?: number | null; after?: string | null });
    } catch {
      return notAnswerable();
    }
    const connectionType = getNamedType(definition.type);
    if (!isObjectType(connectionType)) notAnswerable();
    const viewer = this.viewer ?? notAnswerable();
    const fields = this.fieldsOf(node.selectionSet).map((child): ConnectionField => {
      const key = child.alias?.value ?? child.name.value;
      if (child.name.value === '__typename') return { key, kind: 'constant', value: connectionType.name };
      const childDefinition = this.definition(connectionType, child);
      const childType = getNamedType(childDefinition.type);
      if (!isObjectType(childType)) notAnswerable();
      if (child.name.value === 'edges') return { key, kind: 'edges', edge: this.edge(childType, child, list.node) };
      if (child.name.value === 'pageInfo') return { key, kind: 'pageInfo', pageInfo: this.pageInfo(childType, child) };
      return notAnswerable();
    });
    const plan = { index: this.connections.length, source: list.source, access: readAccess(viewer, list.readScope), window, fields };
    this.connections.push(plan);
    return plan;
  }

  private edge(edgeType: GraphQLObjectType, node: FieldNode, nodeType: RowType): EdgeField[] {
    return this.fieldsOf(node.selectionSet).map((child): EdgeField => {
      const key = child.alias?.value ?? child.name.value;
      if (child.name.value === '__typename') return { key, kind: 'constant', value: edgeType.name };
      const definition = this.definition(edgeType, child);
      if (child.name.value === 'cursor' && String(definition.type) === 'String!') return { key, kind: 'cursor' };
      if (child.name.value !== 'node') notAnswerable();
      const type = getNamedType(definition.type);
      if (!isObjectType(type) || type.name !== nodeType) notAnswerable();
      return { key, kind: 'node', node: this.row(type, nodeType, child) };
    });
  }

  private pageInfo(pageInfoType: GraphQLObjectType, node: FieldNode): PageInfoField[] {
    return this.fieldsOf(node.selectionSet).map((child): PageInfoField => {
      const key = child.alias?.value ?? child.name.value;
      const name = child.name.value;
      if (name === '__typename') return { key, kind: 'constant', value: pageInfoType.name };
      this.definition(pageInfoType, child);
      if (!PAGE_INFO_FIELDS.has(name)) notAnswerable();
      return { key, kind: name as 'hasNextPage' | 'hasPreviousPage' | 'startCursor' | 'endCursor' };
    });
  }

  private row(type: GraphQLObjectType, rowType: RowType, node: FieldNode): RowPlan {
    const fields = this.fieldsOf(node.selectionSet).map((child): RowField => {
      const key = child.alias?.value ?? child.name.value;
      const name = child.name.value;
      if (name === '__typename') return { key, kind: 'value', value: { kind: 'constant', value: type.name } };
      const definition = this.definition(type, child);
      const column = COLUMN_FIELDS[rowType][name];
      if (column) {
        if (String(definition.type) !== column.graphqlType || definition.args.length > 0) notAnswerable();
        return { key, kind: 'value', value: column.value };
      }
      if (rowType === 'Artifact' && name === 'owner') {
        const userType = getNamedType(definition.type);
        if (!isObjectType(userType) || userType.name !== 'User' || String(definition.type) !== 'User') notAnswerable();
        return { key, kind: 'owner', user: this.row(userType, 'User', child) };
      }
      if (CONNECTIONS[`${type.name}.${name}`]) return { key, kind: 'connection', connection: this.connection(type, child) };
      return notAnswerable();
    });
    return { type: rowType, fields };
  }
}

/**
 * The plan that answers this operation in SQL, or null when the resolvers must: not a single
 * query of the fields above, a rule this viewer would fail, or variables or arguments graphql-js
 * would reject (it then says why).
 */
export function planResponse(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
  viewer: Viewer | null,
): ResponsePlan | null {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query' || (operation.directives?.length ?? 0) > 0) return null;
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (variables.errors) return null;
  try {
    const planner = new Planner(schema, viewer, variables.coerced);
    const fields = planner.response(operation.selectionSet);
    return { fields, connections: planner.connections, teamId: viewer?.teamId ?? null };
  } catch (error) {
    if (error instanceof NotAnswerable) return null;
    throw error;
  }
}

/**
 * Plans kept per document (Yoga's parser cache hands back the same DocumentNode for the same
 * text), keyed by everything else a plan is made from: the operation name, the variables and
 * every field of the Viewer, so a rule that came to read another one would still be keyed right.
 */
const MAX_PLANS_PER_DOCUMENT = 256;
/** Longer keys (large variables) are planned every time rather than kept. */
const MAX_PLAN_KEY_LENGTH = 4_096;
const plansByDocument = new WeakMap<DocumentNode, Map<string, ResponsePlan | null>>();

function planKey(operationName: string | null | undefined, variables: unknown, viewer: Viewer | null): string {
  const who = viewer && [viewer.role, viewer.authMethod, viewer.userId, viewer.teamId, viewer.sessionId ?? null, [...viewer.scopes]];
  return JSON.stringify([operationName ?? null, variables ?? null, who]);
}

/** planResponse, remembered. */
function cachedPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  viewer: Viewer | null,
): ResponsePlan | null {
  const key = planKey(operationName, variables, viewer);
  if (key.length > MAX_PLAN_KEY_LENGTH) return planResponse(schema, document, operationName, variables, viewer);
  let plans = plansByDocument.get(document);
  if (!plans) plansByDocument.set(document, (plans = new Map()));
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = planResponse(schema, document, operationName, variables, viewer);
    if (plans.size >= MAX_PLANS_PER_DOCUMENT) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

export interface SqlExecution {
  plugin: Plugin<Context>;
  /** How many operations the SQL path answered, for tests and debugging. */
  answered(): number;
  /** How many of those were answered from rows (page-rows.ts: a page, or a page of pages), the rest by the JSON statement. */
  answeredFromRows(): number;
  /** How many of those answers were written as the statement's JSON text, unparsed. */
  writtenAsIs(): number;
}

/** What a result of the SQL path keeps: the statement's JSON text, and its parse once `data` is read. */
interface SqlJson {
  readonly json: string;
  parsed: Record<string, unknown> | undefined;
  readonly onWrittenAsIs: () => void;
}

const SQL_JSON = Symbol('the SQL path\'s JSON text');

type SqlResult = ExecutionResult & { readonly [SQL_JSON]: SqlJson };

function sqlResultData(this: SqlResult): Record<string, unknown> {
  const state = this[SQL_JSON];
  return (state.parsed ??= JSON.parse(state.json) as Record<string, unknown>);
}

/** Yoga calls a result's `stringify` unbound, with the result (or what replaced it) as the value. */
function stringifySqlResult(value: unknown): string {
  const state = (value as Partial<SqlResult> | null)?.[SQL_JSON];
  // Read (and perhaps changed), or copied with its data read: serialized as usual.
  if (state === undefined || state.parsed !== undefined) return JSON.stringify(value);
  state.onWrittenAsIs();
  return `{"data":${state.json}}`;
}

/**
 * The result of an operation answered in SQL. Yoga serializes a result with its `stringify`
 * when it has one (graphql-jit's serializers use the same hook), and this one writes the
 * statement's JSON text as it is: SQLite escapes strings exactly as JSON.stringify does, and
 * the statement only passes through stored JSON that is already in that form. Should anything
 * read `data` (it is parsed then) or serialize another object in its place (errors added, say),
 * JSON.stringify does the work as usual.
 *
 * Its `data` is an accessor whose function is shared by every result, set with defineProperty,
 * and its `stringify` one shared function: made as an object literal with a getter and a method
 * per result (a dictionary-mode object in V8), results made every scavenge of the garbage
 * collector slow under load (on W2 with the JWT, 8–12 ms each, 17 % of the server's time,
 * against 1 ms: docs/performance.md).
 */
export function resultOf(json: string, onWrittenAsIs: () => void): ExecutionResult {
  const result = { [SQL_JSON]: { json, parsed: undefined, onWrittenAsIs }, stringify: stringifySqlResult };
  return Object.defineProperty(result, 'data', { get: sqlResultData, enumerable: true, configurable: true }) as unknown as ExecutionResult;
}

/**
 * The plugin: placed before the graphql-jit plugin, it answers the operations it can and leaves
 * the rest to the next executor. `enabled` is false on PostgreSQL (the statement is SQLite's).
 */
export function useSqlExecution(enabled: boolean): SqlExecution {
  let answered = 0;
  let fromRows = 0;
  let writtenAsIs = 0;
  const countWrittenAsIs = () => void writtenAsIs++;
  // Disabled, it adds no hook at all.
  const plugin: Plugin<Context> = {};
  if (enabled) {
    plugin.onExecute = ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue;
      const plan = cachedPlan(args.schema, args.document, args.operationName, args.variableValues, context.viewer);
      if (!plan) return;
      const rows = isAnsweredFromRows(plan);
      return (rows ? answerFromRows(context.db, plan) : answerInSql(context.db, plan))
        .then((data) => {
          answered++;
          if (rows) fromRows++;
          setResultAndStopExecution(resultOf(data, countWrittenAsIs));
        })
        .catch(() => {
          // A stored value the resolvers would serialize differently, or report as an error:
          // they answer instead (the statement reads nothing it did not also read).
        });
    };
  }
  return { plugin, answered: () => answered, answeredFromRows: () => fromRows, writtenAsIs: () => writtenAsIs };
}
