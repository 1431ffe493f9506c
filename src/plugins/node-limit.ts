/**
 * A bound on the nodes one query can ask for, checked at validation, before anything runs.
 * Depth, aliases and tokens (GraphQL Armor) bound the document, not its answer: 30 aliases of
 * pages of 30 nested three deep is a 5 KB query for 810,000 nodes.
 *
 * The count: each element of a page (each of its `edges`) is a node, and a page appears once for
 * each element of the pages around it, so nested pages multiply. A page is `first` long: the
 * literal, or the variable's value in this request (its default when absent), DEFAULT_PAGE_SIZE
 * without one; a value that is not an Int counts as MAX_PAGE_SIZE (it is refused later anyway).
 * Fields are merged by response key as GraphQL merges them, through named and inline fragments,
 * so a fragment spread inside a page is multiplied with it; different aliases are different
 * fields. `@skip`/`@include` are not evaluated (both count); introspection does not count.
 *
 * Variables matter, so the check cannot be a cached validation rule: it runs after validation on
 * every request (Yoga's cache keeps validation results per document), strips its own error from
 * a cached result and counts again. A document that fails validation otherwise (a fragment cycle,
 * an unknown field, too deep) is not counted: it is refused already. Counting is a loop over the
 * merged fields with fragments expanded, at most MAX_VISITS of them, so no document makes it slow.
 */
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/pagination.js';
import { tooManyNodes } from '../errors.js';

/**
 * The most nodes one query may ask for: two of the largest page of largest pages (100 × 100 and
 * the 100 pages themselves is 10,100), while 30 × 30 × 30 nested is far over.
 */
export const MAX_NODES = 20_000;

/** Merged fields counted before giving up (the document is then refused); far above what armor's limits let through. */
const MAX_VISITS = 10_000;

interface Pending {
  selectionSets: readonly SelectionSetNode[];
  type: GraphQLCompositeType;
  /** How many times an object of `type` with these selections can appear in the answer. */
  times: number;
  /** The page size when `type` is a page's type (a connection), else null. */
  pageSize: number | null;
}

interface MergedField {
  definition: GraphQLField<unknown, unknown>;
  nodes: FieldNode[];
}

function clampPageSize(value: number): number {
  return Math.min(Math.max(value, 0), MAX_PAGE_SIZE);
}

class Counter {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly defaults = new Map<string, ValueNode | undefined>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
    for (const definition of operation.variableDefinitions ?? []) this.defaults.set(definition.variable.name.value, definition.defaultValue);
  }

  /** The page size a `first` argument value asks for. */
  private pageSize(value: ValueNode | undefined): number {
    if (value === undefined || value.kind === Kind.NULL) return DEFAULT_PAGE_SIZE;
    if (value.kind === Kind.INT) return clampPageSize(Number(value.value));
    if (value.kind !== Kind.VARIABLE) return MAX_PAGE_SIZE;
    const name = value.name.value;
    if (!Object.hasOwn(this.variables, name)) {
      // Absent: the variable's default, or else no argument at all.
      const fallback = this.defaults.get(name);
      return fallback === undefined || fallback.kind === Kind.VARIABLE ? DEFAULT_PAGE_SIZE : this.pageSize(fallback);
    }
    const given = this.variables[name];
    if (given === null) return DEFAULT_PAGE_SIZE;
    return typeof given === 'number' && Number.isInteger(given) ? clampPageSize(given) : MAX_PAGE_SIZE;
  }

  /** The fields these selection sets select on `type`, merged by response key, through fragments. */
  private collect(selectionSets: readonly SelectionSetNode[], type: GraphQLCompositeType): Map<string, MergedField> {
    const fields = new Map<string, MergedField>();
    const seenFragments = new Set<string>();
    const pending: [SelectionSetNode, GraphQLCompositeType][] = selectionSets.map((set) => [set, type]);
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [selectionSet, parent] = next;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
          if (!definition) continue; // __typename, introspection, or unknown (then validation has refused it)
          // Selections under different type conditions are counted apart: more, never less.
          const key = `${parent.name}.${selection.alias?.value ?? selection.name.value}`;
          const merged = fields.get(key);
          if (merged) merged.nodes.push(selection);
          else fields.set(key, { definition, nodes: [selection] });
          continue;
        }
        let fragment: FragmentDefinitionNode | InlineFragmentNode | undefined;
        if (selection.kind === Kind.INLINE_FRAGMENT) fragment = selection;
        else {
          // Spread twice in one place is merged as once (and a cycle cannot loop).
          const name = selection.name.value;
          if (seenFragments.has(name)) continue;
          seenFragments.add(name);
          fragment = this.fragments.get(name);
          if (!fragment) continue;
        }
        const conditionType = fragment.typeCondition ? this.schema.getType(fragment.typeCondition.name.value) : parent;
        if (isCompositeType(conditionType)) pending.push([fragment.selectionSet, conditionType]);
      }
    }
    return fields;
  }

  /** The nodes the operation can ask for; null when it has more fields than MAX_VISITS to count. */
  count(operation: OperationDefinitionNode): number | null {
    const root = this.schema.getRootType(operation.operation);
    if (!root) return 0;
    let nodes = 0;
    let visits = 0;
    const pending: Pending[] = [{ selectionSets: [operation.selectionSet], type: root, times: 1, pageSize: null }];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      for (const { definition, nodes: fieldNodes } of this.collect(next.selectionSets, next.type).values()) {
        const type = getNamedType(definition.type);
        if (isLeafType(type) || !isCompositeType(type)) continue;
        if (++visits > MAX_VISITS) return null;
        // A list is a page's elements (a list outside a page, which this schema has none of, counts as the largest page).
        const isList = isListType(getNullableType(definition.type));
        const times = next.times * (isList ? (next.pageSize ?? MAX_PAGE_SIZE) : 1);
        if (times === 0) continue;
        if (isList) nodes += times;
        const isPage = definition.args.some((arg) => arg.name === 'first');
        const pageSize = isPage
          ? Math.max(...fieldNodes.map((node) => this.pageSize(node.arguments?.find((arg) => arg.name.value === 'first')?.value)))
          : null;
        const selectionSets = fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
        pending.push({ selectionSets, type, times, pageSize });
      }
    }
    return nodes;
  }
}

/**
 * Counts of operations that declare no variables, kept per schema, document and operationName:
 * such a count reads nothing but the document (a `$name` in it without a declaration fails
 * validation, and then nothing is counted), so it is the same on every request. Yoga's parser
 * cache hands back the same DocumentNode for the same text, so a repeated query is counted once;
 * the WeakMaps go with the documents the cache drops.
 */
const fixedCounts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string | symbol, number | null>>>();
/** The memo key of an absent operationName (null and undefined pick the one operation; '' names none). */
const NO_NAME = Symbol('no operationName');

/** How many nodes this operation of `document` can ask for with these variables; null when too large to count. */
export function countNodes(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown): number | null {
  const name = operationName ?? NO_NAME;
  const known = fixedCounts.get(schema)?.get(document)?.get(name);
  if (known !== undefined) return known;
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0; // no operation to run: execution refuses it
  const values = typeof variables === 'object' && variables !== null && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
  const count = new Counter(schema, document, operation, values).count(operation);
  if (!operation.variableDefinitions?.length) {
    let bySchema = fixedCounts.get(schema);
    if (!bySchema) fixedCounts.set(schema, (bySchema = new WeakMap()));
    let byDocument = bySchema.get(document);
    if (!byDocument) bySchema.set(document, (byDocument = new Map()));
    byDocument.set(name, count);
  }
  return count;
}

/** The errors this plugin reported, to tell them from the rest of a cached validation result. */
const reported = new WeakSet<GraphQLError>();

export function useNodeLimit(limit = MAX_NODES): Plugin {
  return {
    onValidate({ params: { schema, documentAST }, context }) {
      return ({ result, setResult }) => {
        const others = result.filter((error) => !reported.has(error));
        let next = others;
        if (others.length === 0) {
          const params = (context as { params?: Partial<GraphQLParams> }).params;
          const nodes = countNodes(schema, documentAST, params?.operationName, params?.variables);
          if (nodes === null || nodes > limit) {
            const error = tooManyNodes(nodes, limit);
            reported.add(error);
            next = [error];
          }
        }
        if (next.length !== result.length || next.some((error, i) => error !== result[i])) setResult(next);
      };
    },
  };
}
