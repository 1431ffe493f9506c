/**
 * Read queries answered from rows instead of the resolvers, on SQLite and PostgreSQL alike: the
 * planner here turns one `query` operation into a read plan (src/db/read-plan.ts), and
 * src/db/page-rows.ts fetches its rows with the data functions the resolvers call and writes the
 * JSON of `data` with a writer made per plan. Fields are collected as graphql-js collects them
 * (fragment spreads, inline fragments, @skip and @include, one response key for fields merged
 * under it), so a query qualifies by what it asks, not how it is written. It qualifies when every
 * field it asks for is one the plan knows how to read and the permission table allows this viewer
 * without looking at the data:
 *
 * - root fields `artifacts` (with its filter), `collections`, `artifact(id)`, `collection(id)`,
 *   `node(id)` of an Artifact or a Collection, and `__typename`;
 * - connections' `edges { node cursor }`, `pageInfo`, `totalCount` and `__typename`;
 * - the column fields of Artifact, Collection and User (COLUMN_FIELDS, each only while the
 *   schema gives it the type it is read as), `Artifact.owner`, `Collection.artifacts` and
 *   `Artifact.collections`, to any depth;
 * - arguments as literals or variables.
 *
 * Rules come from the same table as shield's (ruleFor), judged by passesForCaller (rules.ts): a
 * plain allow, or a rule that depends on the caller alone and that this caller passes. A rule that
 * would deny, or one that reads the row (User.email), leaves the query to the resolvers, so
 * every denial and every error is still the resolvers' own. So does anything else not listed,
 * bad arguments included, and a stored value that GraphQL would not pass through unchanged:
 * the answer is then exactly what it would have been without this plugin. Those are the one
 * deliberate signal (CannotAnswer); any other error here is a bug, logged and counted, and the
 * resolvers answer. test/sql-execution.test.ts compares the two answers, byte for byte, for
 * every identity, on both databases.
 */
import {
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  GraphQLString,
  getNullableType,
  isAbstractType,
  isEnumType,
  isNonNullType,
  isScalarType,
  isObjectType,
  Kind,
  typeFromAST,
  getArgumentValues,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type NamedTypeNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { passesForCaller, requirementFor } from '../auth/permission-table.js';
import type { Viewer } from '../vocabulary/viewer.js';
import type { Context } from '../context/context.js';
import { checkArtifactFilter } from '../db/artifacts.js';
import type { ArtifactFilter } from '../db/model.js';
import { answerFromRows } from '../db/page-rows.js';
import { pageWindow, type PageWindow } from '../db/pagination.js';
import {
  CannotAnswer,
  cannotAnswer,
  type ColumnValue,
  type ConnectionField,
  type EdgeField,
  type FetchPlan,
  type ListPlan,
  type ListSource,
  type LookupPlan,
  type PageInfoField,
  type ResponseField,
  type ResponsePlan,
  type RowField,
  type RowPlan,
  type RowSelection,
  type RowType,
} from '../db/read-plan.js';
import { decodeGlobalId } from '../ids.js';
import { COLUMN_EXTENSION } from '../schema/columns.js';

/** The list each connection field pages through, and the type of its nodes. */
const CONNECTIONS: Readonly<Record<string, { source: ListSource; node: RowType }>> = {
  'Query.artifacts': { source: 'artifacts', node: 'Artifact' },
  'Query.collections': { source: 'collections', node: 'Collection' },
  'Collection.artifacts': { source: 'artifactsOfCollection', node: 'Artifact' },
  'Artifact.collections': { source: 'collectionsOfArtifact', node: 'Collection' },
};

/** The root lookups by id, and the type they answer. */
const LOOKUPS: Readonly<Record<string, LookupPlan['source']>> = { artifact: 'artifact', collection: 'collection' };

const PAGE_INFO_FIELDS = new Set(['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor']);

/**
 * How a field is written from its row, derived from the schema: a Node's `id` is its global id,
 * and a field whose Pothos definition names its column (src/schema/columns.ts) is that column
 * written by the field's type: String as text, an enum whose values are their own names, DateTime
 * in its wire form, [String!]! as a stored JSON list. Anything else (arguments, computed fields)
 * is the resolvers'.
 */
function columnValue(parent: GraphQLObjectType, definition: GraphQLField<unknown, unknown>): ColumnValue | null {
  if (definition.args.length > 0) return null;
  const type = definition.type;
  // The relay plugin's encodeGlobalID is encodeGlobalId (src/schema/builder.ts), as the writer's.
  if (definition.name === 'id' && String(type) === 'ID!' && parent.getInterfaces().some((i) => i.name === 'Node')) return { kind: 'globalId', typename: parent.name };
  const columns = definition.extensions?.[COLUMN_EXTENSION] as readonly string[] | undefined;
  if (!columns || columns.length === 0) return null;
  const named = getNullableType(type);
  if (named === GraphQLString) return { kind: 'text', columns, nullable: !isNonNullType(type) };
  if (!isNonNullType(type) || columns.length !== 1) return null;
  const column = columns[0]!;
  if (isEnumType(named)) {
    const values = named.getValues();
    return values.every((v) => v.value === v.name) ? { kind: 'enum', column, values: values.map((v) => v.name) } : null;
  }
  if (isScalarType(named) && named.name === 'DateTime') return { kind: 'datetime', column };
  if (String(type) === '[String!]!') return { kind: 'stringList', column };
  return null;
}

/** Fields merged under one response key, in the order graphql-js executes them. */
type Collected = readonly (readonly [string, readonly FieldNode[]])[];

/** The columns one fetch reads, gathered while its rows' fields are planned. */
interface Columns {
  readonly own: Set<string>;
  owner: Set<string> | null;
}

function selectionOf(columns: Columns): RowSelection {
  return { columns: [...columns.own].sort(), owner: columns.owner && [...columns.owner].sort() };
}

class Planner {
  /** Every fetch planned so far, each at its index (reserved before its children are planned). */
  readonly fetches: (FetchPlan | undefined)[] = [];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>,
    private readonly viewer: Viewer,
    private readonly variables: Record<string, unknown>,
  ) {}

  /** Whether @skip and @include let `node` in; any other directive is not this path's to judge. */
  private included(node: { directives?: readonly { name: { value: string } }[] | undefined }): boolean {
    for (const directive of node.directives ?? []) {
      const name = directive.name.value;
      if (name !== GraphQLSkipDirective.name && name !== GraphQLIncludeDirective.name) cannotAnswer(`@${name}`);
    }
    if ((node.directives?.length ?? 0) === 0) return true;
    const at = node as Parameters<typeof getDirectiveValues>[1];
    if (getDirectiveValues(GraphQLSkipDirective, at, this.variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, at, this.variables)?.if !== false;
  }

  /** Whether a fragment with this type condition applies to objects of `type` (graphql-js's doesFragmentConditionMatch). */
  private applies(condition: NamedTypeNode | undefined, type: GraphQLObjectType): boolean {
    if (!condition) return true;
    const conditional = typeFromAST(this.schema, condition);
    if (conditional === type) return true;
    return conditional !== undefined && isAbstractType(conditional) && this.schema.isSubType(conditional, type);
  }

  /** The fields of these selection sets on objects of `type`, collected as graphql-js's collectFields does. */
  collect(type: GraphQLObjectType, selectionSets: readonly (SelectionSetNode | undefined)[]): Collected {
    const fields = new Map<string, FieldNode[]>();
    const visited = new Set<string>();
    const visit = (selectionSet: SelectionSetNode) => {
      for (const selection of selectionSet.selections) {
        switch (selection.kind) {
          case Kind.FIELD: {
            if (!this.included(selection)) continue;
            const key = selection.alias?.value ?? selection.name.value;
            const list = fields.get(key);
            if (list) list.push(selection);
            else fields.set(key, [selection]);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            if (!this.included(selection) || !this.applies(selection.typeCondition, type)) continue;
            visit(selection.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD: {
            const name = selection.name.value;
            if (visited.has(name) || !this.included(selection)) continue;
            visited.add(name);
            const fragment = this.fragments[name] ?? cannotAnswer(`fragment ${name}`);
            if (!this.applies(fragment.typeCondition, type)) continue;
            visit(fragment.selectionSet);
            break;
          }
        }
      }
    };
    for (const selectionSet of selectionSets) visit(selectionSet ?? cannotAnswer('a selection set'));
    return [...fields];
  }

  private subfields(type: GraphQLObjectType, nodes: readonly FieldNode[]): Collected {
    return this.collect(
      type,
      nodes.map((node) => node.selectionSet),
    );
  }

  /** The field's definition on `type`, once the permission table lets this viewer read it. */
  private definition(type: GraphQLObjectType, node: FieldNode): GraphQLField<unknown, unknown> {
    const definition = type.getFields()[node.name.value];
    if (!definition || !passesForCaller(requirementFor(type.name, node.name.value), this.viewer)) cannotAnswer(`${type.name}.${node.name.value}`);
    return definition;
  }

  /** The field's arguments, coerced as graphql-js would (from the first node: validation makes merged fields agree). */
  private args(definition: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    try {
      return getArgumentValues(definition, node, this.variables);
    } catch {
      return cannotAnswer('arguments');
    }
  }

  private objectType(definition: GraphQLField<unknown, unknown>, name?: string): GraphQLObjectType {
    const type = getNamedType(definition.type);
    if (!isObjectType(type) || (name !== undefined && type.name !== name)) return cannotAnswer(`${String(definition.type)}`);
    return type;
  }

  private reserve(): number {
    this.fetches.push(undefined);
    return this.fetches.length - 1;
  }

  response(selectionSet: SelectionSetNode): ResponseField[] {
    const query = this.schema.getQueryType() ?? cannotAnswer('no Query type');
    return this.collect(query, [selectionSet]).map(([key, nodes]): ResponseField => {
      const node = nodes[0]!;
      const name = node.name.value;
      if (name === '__typename') return { key, kind: 'constant', value: query.name };
      if (CONNECTIONS[`Query.${name}`]) return { key, kind: 'list', list: this.list(query, nodes, null) };
      return { key, kind: 'lookup', lookup: this.lookup(query, nodes) };
    });
  }

  private lookup(query: GraphQLObjectType, nodes: readonly FieldNode[]): LookupPlan {
    const node = nodes[0]!;
    const name = node.name.value;
    const definition = this.definition(query, node);
    // Not found is null: only a nullable field may answer it.
    if (isNonNullType(definition.type)) cannotAnswer(`${name} is non-null`);
    const { id } = this.args(definition, node) as { id?: unknown };
    if (typeof id !== 'string') return cannotAnswer('id');
    let decoded;
    try {
      decoded = decodeGlobalId(id);
    } catch {
      return cannotAnswer('a malformed id');
    }
    let source: LookupPlan['source'];
    if (name === 'node') {
      if (decoded.type !== 'Artifact' && decoded.type !== 'Collection') return cannotAnswer(`node of a ${decoded.type}`);
      source = decoded.type === 'Artifact' ? 'artifact' : 'collection';
    } else {
      source = LOOKUPS[name] ?? cannotAnswer(`Query.${name}`);
      // artifact(id:) of another type's id is the resolvers' BAD_USER_INPUT.
      if (decoded.type.toLowerCase() !== source) return cannotAnswer('an id of another type');
    }
    const rowType: RowType = source === 'artifact' ? 'Artifact' : 'Collection';
    const type = this.schema.getType(rowType);
    if (!isObjectType(type)) return cannotAnswer(rowType);
    const returned = getNamedType(definition.type);
    if (returned !== type && !(isAbstractType(returned) && this.schema.isSubType(returned, type))) cannotAnswer(`${name} does not return ${rowType}`);
    const index = this.reserve();
    const columns: Columns = { own: new Set(['id']), owner: null };
    const row = this.row(type, rowType, nodes, index, columns);
    const plan: LookupPlan = { kind: 'lookup', index, parent: null, source, id: decoded.id, node: row, selection: selectionOf(this.withRowNeeds(rowType, columns)) };
    this.fetches[index] = plan;
    return plan;
  }

  /** Columns every fetched row of `rowType` is read for, asked or not: toArtifact parses each artifact's tags. */
  private withRowNeeds(rowType: RowType, columns: Columns): Columns {
    if (rowType === 'Artifact') columns.own.add('tags');
    return columns;
  }

  private list(parent: GraphQLObjectType, nodes: readonly FieldNode[], parentFetch: number | null): ListPlan {
    const node = nodes[0]!;
    const connection = CONNECTIONS[`${parent.name}.${node.name.value}`] ?? cannotAnswer(`${parent.name}.${node.name.value}`);
    const definition = this.definition(parent, node);
    const args = this.args(definition, node);
    let filter: ArtifactFilter | null = null;
    for (const [name, value] of Object.entries(args)) {
      if (name === 'first' || name === 'after') continue;
      if (name !== 'filter' || connection.source !== 'artifacts') return cannotAnswer(`argument ${name}`);
      if (value == null) continue;
      filter = value as ArtifactFilter;
      try {
        checkArtifactFilter(filter);
      } catch {
        return cannotAnswer('filter');
      }
    }
    let window: PageWindow;
    try {
      window = pageWindow(args as { first?: number | null; after?: string | null });
    } catch {
      return cannotAnswer('page arguments');
    }
    const connectionType = this.objectType(definition);
    const index = this.reserve();
    const columns: Columns = { own: new Set(['id']), owner: null };
    let counted = false;
    const fields = this.subfields(connectionType, nodes).map(([key, children]): ConnectionField => {
      const child = children[0]!;
      const name = child.name.value;
      if (name === '__typename') return { key, kind: 'constant', value: connectionType.name };
      const childDefinition = this.definition(connectionType, child);
      if (name === 'totalCount') {
        if (String(childDefinition.type) !== 'Int!') cannotAnswer('totalCount');
        counted = true;
        return { key, kind: 'totalCount' };
      }
      const childType = this.objectType(childDefinition);
      if (name === 'edges') return { key, kind: 'edges', edge: this.edge(childType, children, connection.node, index, columns) };
      if (name === 'pageInfo') return { key, kind: 'pageInfo', pageInfo: this.pageInfo(childType, children) };
      return cannotAnswer(`${connectionType.name}.${name}`);
    });
    const plan: ListPlan = {
      kind: 'list',
      index,
      parent: parentFetch,
      source: connection.source,
      window,
      filter,
      selection: selectionOf(this.withRowNeeds(connection.node, columns)),
      counted,
      fields,
    };
    this.fetches[index] = plan;
    return plan;
  }

  private edge(edgeType: GraphQLObjectType, nodes: readonly FieldNode[], nodeType: RowType, fetch: number, columns: Columns): EdgeField[] {
    return this.subfields(edgeType, nodes).map(([key, children]): EdgeField => {
      const child = children[0]!;
      if (child.name.value === '__typename') return { key, kind: 'constant', value: edgeType.name };
      const definition = this.definition(edgeType, child);
      if (child.name.value === 'cursor' && String(definition.type) === 'String!') return { key, kind: 'cursor' };
      if (child.name.value !== 'node') cannotAnswer(`${edgeType.name}.${child.name.value}`);
      const type = this.objectType(definition, nodeType);
      return { key, kind: 'node', node: this.row(type, nodeType, children, fetch, columns) };
    });
  }

  private pageInfo(pageInfoType: GraphQLObjectType, nodes: readonly FieldNode[]): PageInfoField[] {
    return this.subfields(pageInfoType, nodes).map(([key, children]): PageInfoField => {
      const child = children[0]!;
      const name = child.name.value;
      if (name === '__typename') return { key, kind: 'constant', value: pageInfoType.name };
      this.definition(pageInfoType, child);
      if (!PAGE_INFO_FIELDS.has(name)) cannotAnswer(`PageInfo.${name}`);
      return { key, kind: name as 'hasNextPage' | 'hasPreviousPage' | 'startCursor' | 'endCursor' };
    });
  }

  /** The fields of a row of `fetch`; the columns they read are added to `columns` (an owner's to columns.owner). */
  private row(type: GraphQLObjectType, rowType: RowType, nodes: readonly FieldNode[], fetch: number, columns: Columns, owned = false): RowPlan {
    const into = owned ? columns.owner! : columns.own;
    const fields = this.subfields(type, nodes).map(([key, children]): RowField => {
      const child = children[0]!;
      const name = child.name.value;
      if (name === '__typename') return { key, kind: 'value', value: { kind: 'constant', value: type.name } };
      const definition = this.definition(type, child);
      const value = columnValue(type, definition);
      if (value) {
        if (value.kind === 'text') for (const c of value.columns) into.add(c);
        else if (value.kind === 'enum' || value.kind === 'datetime' || value.kind === 'stringList') into.add(value.column);
        return { key, kind: 'value', value };
      }
      if (!owned && rowType === 'Artifact' && name === 'owner') {
        if (String(definition.type) !== 'User') cannotAnswer('Artifact.owner');
        const userType = this.objectType(definition, 'User');
        columns.owner ??= new Set(['id']);
        return { key, kind: 'owner', user: this.row(userType, 'User', children, fetch, columns, true) };
      }
      if (!owned && CONNECTIONS[`${type.name}.${name}`]) return { key, kind: 'connection', connection: this.list(type, children, fetch) };
      return cannotAnswer(`${type.name}.${name}`);
    });
    return { type: rowType, fields };
  }
}

/**
 * The plan that answers this operation from rows, or null when the resolvers must: not a single
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
  if (viewer === null) return null;
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query' || (operation.directives?.length ?? 0) > 0) return null;
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (variables.errors) return null;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  try {
    const planner = new Planner(schema, fragments, viewer, variables.coerced);
    const fields = planner.response(operation.selectionSet);
    return { fields, fetches: planner.fetches as FetchPlan[] };
  } catch (error) {
    if (error instanceof CannotAnswer) return null;
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

/** The root fields the planner reads; one of any other name means the resolvers answer, whoever asks. */
const PLANNED_ROOT_FIELDS = new Set(['__typename', ...Object.keys(CONNECTIONS).filter((c) => c.startsWith('Query.')).map((c) => c.slice('Query.'.length)), ...Object.keys(LOOKUPS), 'node']);

/** Per document and operation name: false when a root field (written plainly) is not one the planner reads. */
const plannable = new WeakMap<DocumentNode, Map<string, boolean>>();

/** A check by names alone, made once per document, so a `me` query never pays for a plan key. */
function mayPlan(document: DocumentNode, operationName: string | null | undefined): boolean {
  let byName = plannable.get(document);
  if (!byName) plannable.set(document, (byName = new Map()));
  const name = operationName ?? '';
  let may = byName.get(name);
  if (may === undefined) {
    const operation = getOperationAST(document, operationName);
    may = operation != null && operation.operation === 'query' && operation.selectionSet.selections.every((s) => s.kind !== Kind.FIELD || PLANNED_ROOT_FIELDS.has(s.name.value));
    if (byName.size < MAX_PLANS_PER_DOCUMENT) byName.set(name, may);
  }
  return may;
}

/** planResponse, remembered. */
function cachedPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  viewer: Viewer | null,
): ResponsePlan | null {
  if (!mayPlan(document, operationName)) return null;
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
  /** How many operations the fast path answered, for tests and debugging. */
  answered(): number;
  /** How many of those answers were written as the writer's JSON text, unparsed. */
  writtenAsIs(): number;
  /** How many times it failed with an error other than CannotAnswer (a bug: each is logged, and the resolvers answered). */
  failed(): number;
}

/** What a result of the fast path keeps: the writer's JSON text, and its parse once `data` is read. */
interface SqlJson {
  readonly json: string;
  parsed: Record<string, unknown> | undefined;
  readonly onWrittenAsIs: () => void;
}

const SQL_JSON = Symbol('the fast path\'s JSON text');

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
 * The result of an operation answered from rows. Yoga serializes a result with its `stringify`
 * when it has one, and this one writes the writer's JSON text as it is: the writer escapes
 * strings with JSON.stringify and passes stored JSON through only when it is already in that
 * form. Should anything
 * read `data` (it is parsed then) or serialize another object in its place (errors added, say),
 * JSON.stringify does the work as usual.
 *
 * Its `data` is an accessor whose function is shared by every result, set with defineProperty,
 * and its `stringify` one shared function: made as an object literal with a getter and a method
 * per result (a dictionary-mode object in V8), results made every scavenge of the garbage
 * collector slow under load (docs/performance.md).
 */
export function resultOf(json: string, onWrittenAsIs: () => void): ExecutionResult {
  const result = { [SQL_JSON]: { json, parsed: undefined, onWrittenAsIs }, stringify: stringifySqlResult };
  return Object.defineProperty(result, 'data', { get: sqlResultData, enumerable: true, configurable: true }) as unknown as ExecutionResult;
}

/**
 * The plugin: placed before the graphql-jit plugin, it answers the operations it can and leaves
 * the rest to the next executor. `enabled` is SKILLMEAT_SQL_EXECUTION.
 */
export function useSqlExecution(enabled: boolean, logger: Logger): SqlExecution {
  let answered = 0;
  let writtenAsIs = 0;
  let failed = 0;
  const countWrittenAsIs = () => void writtenAsIs++;
  /** Anything but CannotAnswer is a bug: logged (no values of the request: they may hold secrets) and counted. */
  const unexpected = (error: unknown, operationName: string | null | undefined) => {
    failed++;
    logger.error({ err: error, operationName: operationName ?? null }, 'the fast read path failed; the resolvers answer instead');
  };
  // Disabled, it adds no hook at all.
  const plugin: Plugin<Context> = {};
  if (enabled) {
    plugin.onExecute = ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue;
      const viewer = context.viewer;
      let plan: ResponsePlan | null;
      try {
        plan = cachedPlan(args.schema, args.document, args.operationName, args.variableValues, viewer);
      } catch (error) {
        unexpected(error, args.operationName);
        return;
      }
      if (!plan || !viewer) return;
      return answerFromRows(context.db, viewer, plan).then(
        (data) => {
          answered++;
          setResultAndStopExecution(resultOf(data, countWrittenAsIs));
        },
        (error: unknown) => {
          // A stored value the resolvers would serialize differently, or report as an error:
          // they answer instead (the fetches changed nothing).
          if (!(error instanceof CannotAnswer)) unexpected(error, args.operationName);
        },
      );
    };
  }
  return { plugin, answered: () => answered, writtenAsIs: () => writtenAsIs, failed: () => failed };
}
