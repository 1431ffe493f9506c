/**
 * `npm run bench -- --serve <process>`: one of the bench's servers, started as the bench starts
 * it (on CPU 0, on a fresh copy of the seeded data, ours with the same JWT issuer), and left
 * running so a load generator of your own (wrk, oha, k6, hey, autocannon) can cross-check the
 * figures. Each workload is checked once first; its request body is written to a file; the URL,
 * the headers and example commands are printed. Ctrl-C stops it and removes the files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOAD_CORE, PINNING } from './processes.js';
import { JWT_USER } from './seed-data.js';
import { startServer, type ProcessId, type StartOptions } from './servers.js';
import { requestBody, verify, WORKLOAD_IDS, WORKLOADS, type WorkloadId } from './workloads.js';

const WITH_JWT: readonly ProcessId[] = ['ours-auth', 'ours-auth-w2'];

/** The lines printed once the server is up, checked and its bodies written. */
function serveInstructions(id: ProcessId, url: string, headers: Record<string, string>, bodies: Record<WorkloadId, string>): string[] {
  const headerFlags = Object.entries({ 'content-type': 'application/json', ...headers })
    .map(([name, value]) => `-H '${name}: ${value}'`)
    .join(' ');
  const pin = PINNING.enabled ? `taskset -c ${LOAD_CORE} ` : '';
  return [
    `SERVING ${id} at ${url}`,
    ...Object.entries(headers).map(([name, value]) => `header ${name}: ${value}`),
    ...(Object.entries(bodies) as [WorkloadId, string][]).map(([workload, path]) => `body ${workload}: ${path}`),
    '',
    'Every request is a POST of one body file with content-type application/json, for example:',
    `  ${pin}npx autocannon -c 32 -d 10 -m POST ${headerFlags} -i ${bodies.W2} ${url}`,
    `  ${pin}oha -c 32 -z 10s -m POST ${headerFlags} -D ${bodies.W2} ${url}`,
    `  curl -s ${headerFlags} --data-binary @${bodies.W3} ${url}`,
    '',
    'Ctrl-C stops the server.',
  ];
}

/** Starts `id`, checks every workload once, writes the bodies to `tmp` and prints how to load it. Resolves once it is ready. */
export async function serve(id: ProcessId, start: StartOptions, jwt: string, tmp: string): Promise<void> {
  const server = await startServer(id, start);
  const headers: Record<string, string> = WITH_JWT.includes(id) ? { authorization: `Bearer ${jwt}` } : {};
  const expect = WITH_JWT.includes(id) ? { role: 'TEAM_MEMBER', team: JWT_USER.org_id } : { role: 'LOCAL_ADMIN' };
  const bodies = {} as Record<WorkloadId, string>;
  // W4 last: its artifact would change the totalCounts the reads are checked with.
  for (const workload of WORKLOAD_IDS.map((w) => WORKLOADS[w])) {
    await verify(server.url, workload, headers, expect);
    const path = join(tmp, `${workload.id}.json`);
    writeFileSync(path, requestBody(workload));
    bodies[workload.id] = path;
  }
  console.log(serveInstructions(id, server.url, headers, bodies).join('\n'));
}
