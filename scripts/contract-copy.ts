/**
 * The public contract lives in the repository (contract/contract.graphql), so a clone with
 * nothing beside it can run the tests and the drift check. Its source is the steering copy,
 * ../shared/contract.graphql: when that file exists beside the repository, the two must be
 * byte-equal (`npm run drift` fails otherwise and says how to bring the copy up to date).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's copy: what the tests and the drift check read. */
export const CONTRACT_PATH = fileURLToPath(new URL('../contract/contract.graphql', import.meta.url));

/** Where the steering copy sits when ../shared is beside the repository. */
export const SHARED_CONTRACT_PATH = fileURLToPath(new URL('../../shared/contract.graphql', import.meta.url));

export function readContract(path = CONTRACT_PATH): string {
  return readFileSync(path, 'utf8');
}

/**
 * Why the repository's copy cannot be trusted, or null when it can: it is missing, or the
 * shared copy exists and differs. No shared copy beside the repository is not a problem.
 */
export function contractCopyProblem(copy = CONTRACT_PATH, shared = SHARED_CONTRACT_PATH): string | null {
  if (!existsSync(copy)) return `the contract's copy is not at ${copy}`;
  if (!existsSync(shared)) return null;
  if (readFileSync(copy, 'utf8') === readFileSync(shared, 'utf8')) return null;
  return `${copy} differs from ${shared}: copy the shared contract into the repository (cp ${shared} ${copy}), then fix what the drift check reports`;
}
