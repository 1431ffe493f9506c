/**
 * Persisted-documents manifests: the JSON object graphql-codegen's client preset writes to
 * persisted-documents.json, document id → document text, read and checked once at start.
 *
 * Ids are SHA-256 digests of the document text. The preset writes the keys as `sha256:<hex>`
 * (GraphQL over HTTP, Appendix A: Persisted Documents); other tools write the bare `<hex>`.
 * Both forms are accepted, in a manifest's keys and in a request's documentId, and both mean
 * the same document: internally a document is keyed by its lowercase hex digest alone.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Lowercase hex SHA-256 digest → document text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

/** What is wrong with a manifest, in one line (config.ts puts the variable's name in front). */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const DOCUMENT_ID = /^(?:sha256:)?([0-9a-f]{64})$/i;

/** The hex digest a documentId or manifest key names (`sha256:<hex>` or `<hex>`), or null when it names none. */
export function documentKey(id: string): string | null {
  const match = DOCUMENT_ID.exec(id);
  return match ? match[1]!.toLowerCase() : null;
}

/** The key a document text is listed under: the hex SHA-256 of its UTF-8 bytes. */
export function keyOfText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A manifest's text as TrustedDocuments; `where` names it in errors. */
export function parseManifest(text: string, where: string): TrustedDocuments {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${where} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ManifestError(`${where} must be a JSON object of "sha256:<hex>": "<document>" entries (graphql-codegen's persisted-documents.json)`);
  }
  const documents = new Map<string, string>();
  for (const [id, document] of Object.entries(parsed)) {
    const key = documentKey(id);
    const shown = JSON.stringify(id.slice(0, 80));
    if (key === null) throw new ManifestError(`${where} has the key ${shown}, which is not "sha256:" and 64 hex digits`);
    if (typeof document !== 'string' || document.trim() === '') {
      throw new ManifestError(`${where} has no document text under ${shown}`);
    }
    // The id is the digest of the text: a text edited by hand (or a key from another scheme) is refused.
    if (keyOfText(document) !== key) throw new ManifestError(`${where} lists under ${shown} a document whose SHA-256 is not that id`);
    documents.set(key, document);
  }
  if (documents.size === 0) throw new ManifestError(`${where} lists no documents`);
  return documents;
}

/** Reads and checks the manifest at `path`; `where` names it in errors. */
export function readManifest(path: string | URL, where = String(path)): TrustedDocuments {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new ManifestError(`${where} cannot be read (${reason})`);
  }
  return parseManifest(text, where);
}
