/**
 * The operations clients really send, for the fast path's equality tests: every query operation
 * of the tests' and the CLI's own documents (each with the fragments it uses, as graphql-codegen
 * sends it), and variables for them made from their definitions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, separateOperations, type TypeNode, type VariableDefinitionNode } from 'graphql';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCUMENT_FILES = [
  ...readdirSync(join(ROOT, 'test', 'operations'))
    .filter((name) => name.endsWith('.graphql'))
    .map((name) => join('test', 'operations', name)),
  join('src', 'cli', 'operations', 'cli.graphql'),
];

export interface CorpusOperation {
  file: string;
  name: string;
  /** The operation and the fragments it spreads, printed. */
  text: string;
  variables: readonly VariableDefinitionNode[];
}

export function corpusOperations(): CorpusOperation[] {
  const operations: CorpusOperation[] = [];
  for (const file of DOCUMENT_FILES) {
    const document = parse(readFileSync(join(ROOT, file), 'utf8'));
    for (const [name, separated] of Object.entries(separateOperations(document))) {
      const operation = separated.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (!operation || operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') continue;
      operations.push({ file, name, text: print(separated), variables: operation.variableDefinitions ?? [] });
    }
  }
  return operations;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

/**
 * Sets of variables for an operation: ids of a readable artifact, of another team's TEAM
 * artifact and of a collection (one set each when the operation takes an ID), a page size of 3,
 * and a tag filter in the first set. Null when a required variable is of a type not covered.
 */
export function variablesFor(
  definitions: readonly VariableDefinitionNode[],
  ids: { artifact: (n: number) => string; collection: (n: number) => string },
): Record<string, unknown>[] {
  const takesId = definitions.some((d) => namedType(d.type) === 'ID');
  const idChoices = takesId ? [ids.artifact(2), ids.artifact(18), ids.collection(1)] : [null];
  return idChoices.map((id, set) => {
    const variables: Record<string, unknown> = {};
    for (const definition of definitions) {
      const name = definition.variable.name.value;
      switch (namedType(definition.type)) {
        case 'ID':
          variables[name] = id;
          break;
        case 'Int':
          variables[name] = 3;
          break;
        case 'Boolean':
          variables[name] = true;
          break;
        case 'ArtifactFilter':
          if (set === 0) variables[name] = { tag: 'tag-1' };
          break;
        case 'String':
          // Cursors and the like: left out, as a first page is asked for.
          if (definition.type.kind === Kind.NON_NULL_TYPE) throw new Error(`no value for the required String variable $${name}`);
          break;
        default:
          throw new Error(`no value for $${name} of type ${namedType(definition.type)}`);
      }
    }
    return variables;
  });
}
