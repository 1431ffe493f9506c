/**
 * The layering README's Layout section states, read from the source: which layer of src/ may
 * import which, no circle of imports between files, and no private field of graphql-shield read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const FILES = sourceFiles(SRC);
const text = new Map(FILES.map((file) => [file, readFileSync(file, 'utf8')]));

/** Relative imports of modules by a file (static, re-exports and dynamic; not JSON data), as paths of .ts files under src. */
function importsOf(file: string): string[] {
  const found: string[] = [];
  for (const match of text.get(file)!.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)\.js['"]/g)) {
    found.push(`${resolve(dirname(file), match[1]!)}.ts`);
  }
  return found;
}

/** A file's layer: its folder under src/, or its own name for a file at the top. */
const layerOf = (file: string) => relative(SRC, file).split('/')[0]!.replace(/\.ts$/, '');

const edges = FILES.flatMap((file) => importsOf(file).map((target) => ({ file, target })));

/** Layers that must not import these others (README: "Dependencies point one way"). */
const FORBIDDEN: Record<string, readonly string[]> = {
  db: ['auth', 'context', 'schema', 'plugins', 'http', 'server', 'app'],
  context: ['auth', 'schema', 'plugins', 'http', 'server', 'app'],
  auth: ['schema', 'plugins', 'http', 'server', 'app'],
  schema: ['plugins', 'http', 'server', 'app'],
  vocabulary: ['auth', 'context', 'db', 'schema', 'plugins', 'http', 'server', 'app'],
  errors: ['auth', 'context', 'db', 'schema', 'plugins', 'http', 'server', 'app'],
  ids: ['auth', 'context', 'db', 'schema', 'plugins', 'http', 'server', 'app'],
  datetime: ['auth', 'context', 'db', 'schema', 'plugins', 'http', 'server', 'app'],
  secrets: ['auth', 'context', 'db', 'schema', 'plugins', 'http', 'server', 'app'],
};

describe('the layers of src/', () => {
  it('every relative import names a file that exists (so the checks below see every edge)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.filter(({ target }) => !text.has(target)).map(({ file, target }) => `${relative(SRC, file)} → ${relative(SRC, target)}`)).toEqual([]);
  });

  it('point one way: no layer imports one above it', () => {
    const wrong = edges
      .filter(({ file, target }) => FORBIDDEN[layerOf(file)]?.includes(layerOf(target)))
      .map(({ file, target }) => `${relative(SRC, file)} → ${relative(SRC, target)}`);
    expect(wrong).toEqual([]);
  });

  it('no two layers import each other', () => {
    const pairs = new Set(edges.filter(({ file, target }) => layerOf(file) !== layerOf(target)).map(({ file, target }) => `${layerOf(file)} → ${layerOf(target)}`));
    const both = [...pairs].filter((pair) => pairs.has(pair.split(' → ').reverse().join(' → ')));
    expect(both).toEqual([]);
  });

  it('no file is part of an import circle', () => {
    const next = new Map(FILES.map((file) => [file, importsOf(file).filter((target) => text.has(target))]));
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open');
      for (const target of next.get(file)!) {
        if (state.get(target) === 'open') circles.push([...path.slice(path.indexOf(target)), target].map((f) => relative(SRC, f)).join(' → '));
        else if (!state.has(target)) visit(target, [...path, target]);
      }
      state.set(file, 'done');
    };
    for (const file of FILES) if (!state.has(file)) visit(file, [file]);
    expect(circles).toEqual([]);
  });

  it('reads no private field of graphql-shield', () => {
    expect(FILES.filter((file) => text.get(file)!.includes('_shield')).map((file) => relative(SRC, file))).toEqual([]);
  });
});
