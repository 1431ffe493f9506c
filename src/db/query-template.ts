/**
 * Hot queries compiled once per shape. Where a statement's SQL text depends only on a small
 * shape (how many parents, which tenancy predicate, whether a cursor is given), Kysely builds
 * and compiles it the first time that shape is seen, with named slots where the values go;
 * later calls only fill the slots: building and compiling a statement of many nested pages can
 * cost more than running it (docs/performance.md).
 */
import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/** A placeholder passed to Kysely as a value; it ends up, untouched, in the compiled parameters. */
class Slot {
  constructor(readonly name: string) {}
}

/** Marks where a named value goes; typed as the value so builder methods accept it. */
export type SlotOf = <T>(name: string) => T;

const slotOf: SlotOf = <T>(name: string) => new Slot(name) as T;

/** Slot values for a list: `prefix`0, `prefix`1, … in order, to match slots named the same way. */
export function numberedValues(prefix: string, items: readonly unknown[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  items.forEach((item, i) => (values[`${prefix}${i}`] = item));
  return values;
}

/** Shapes kept per database; each query keys its shapes by a few small numbers and names. */
const MAX_SHAPES = 1_000;

/**
 * What a compiled template is kept under: the database's adapter (SQLite and PostgreSQL compile to
 * different SQL, and each Kysely instance has its own), so that a transaction, a new Kysely object
 * over the same adapter and plugins every time, finds what its database compiled. An instance
 * with plugins of its own (which change what is compiled) keeps its own.
 */
function compilerOf(db: Db): object {
  const executor = db.getExecutor();
  return executor.plugins.length === 0 ? executor.adapter : db;
}

export class QueryTemplate<Shape, Row> {
  /** Per database adapter (compilerOf). */
  private readonly compiled = new WeakMap<object, Map<string, CompiledQuery<Row>>>();

  /**
   * `build` must give SQL that depends on the shape alone (and `keyOf` must tell every such
   * shape apart): each value that varies between calls goes through `slot`.
   */
  constructor(
    private readonly keyOf: (shape: Shape) => string,
    private readonly build: (db: Db, shape: Shape, slot: SlotOf) => Compilable<Row>,
  ) {}

  /** The query of `shape` with `values` in its slots. */
  compile(db: Db, shape: Shape, values: Readonly<Record<string, unknown>>): CompiledQuery<Row> {
    const compiler = compilerOf(db);
    let shapes = this.compiled.get(compiler);
    if (!shapes) this.compiled.set(compiler, (shapes = new Map()));
    const key = this.keyOf(shape);
    let template = shapes.get(key);
    if (!template) {
      template = this.build(db, shape, slotOf).compile();
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(key, template);
    }
    const parameters = template.parameters.map((parameter) => {
      if (!(parameter instanceof Slot)) return parameter;
      if (!Object.hasOwn(values, parameter.name)) throw new Error(`query template "${key}": no value for slot "${parameter.name}"`);
      return values[parameter.name];
    });
    return { ...template, parameters };
  }

  async execute(db: Db, shape: Shape, values: Readonly<Record<string, unknown>>): Promise<Row[]> {
    return (await db.executeQuery(this.compile(db, shape, values))).rows;
  }
}
