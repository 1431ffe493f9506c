/**
 * `npm run drift`: fails when schema.graphql is not what `npm run schema` would write, or when
 * the schema misses anything of the public contract (the repository's copy, contract/contract.graphql,
 * or CONTRACT_PATH), or when ../shared/contract.graphql (or SHARED_CONTRACT_PATH) is beside the
 * repository and differs from that copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { printSdl, schema } from '../src/schema/index.js';
import { contractProblems } from './contract.js';
import { CONTRACT_PATH, SHARED_CONTRACT_PATH, contractCopyProblem } from './contract-copy.js';
import { PENDING_CONTRACT_ITEMS } from './pending-contract.js';

let failed = false;
const committed = new URL('../schema.graphql', import.meta.url);
if (!existsSync(committed) || readFileSync(committed, 'utf8') !== printSdl()) {
  console.error('schema.graphql is stale: run `npm run schema` and commit the result.');
  failed = true;
}

const contractPath = process.env.CONTRACT_PATH ?? CONTRACT_PATH;
const copyProblem = contractCopyProblem(contractPath, process.env.SHARED_CONTRACT_PATH ?? SHARED_CONTRACT_PATH);
if (copyProblem) {
  console.error(`contract: ${copyProblem}`);
  process.exit(1);
}
const problems = contractProblems(readFileSync(contractPath, 'utf8'), schema);
const pending = problems.filter((p) => PENDING_CONTRACT_ITEMS.some((item) => p.includes(item.match)));
const unexpected = problems.filter((p) => !pending.includes(p));
for (const problem of unexpected) console.error(`contract: ${problem}`);
for (const item of PENDING_CONTRACT_ITEMS) {
  if (!problems.some((p) => p.includes(item.match))) {
    console.error(`contract: "${item.match}" is no longer missing: remove it from scripts/pending-contract.ts`);
    failed = true;
  }
}
if (pending.length > 0) console.log(`contract: ${pending.length} items wait for their issue (scripts/pending-contract.ts)`);
if (unexpected.length > 0 || failed) process.exit(1);
console.log('schema.graphql is current and covers the contract');
