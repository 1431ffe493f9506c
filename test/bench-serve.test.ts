/**
 * `npm run bench -- --serve <process>`, for cross-checking the bench with another load
 * generator: it starts the server as the bench does, prints the URL, the JWT header and one
 * body file per workload, answers them, and on Ctrl-C stops the server and removes the files.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, parseOptions } from '../bench/options.js';

describe('bench --serve options', () => {
  it('takes exactly one server that can run alone, and nothing else', () => {
    expect(parseOptions(['--serve', 'ours-auth']).serve).toBe('ours-auth');
    expect(parseOptions(['--quick']).serve).toBeNull();
    expect(() => parseOptions(['--serve', 'constant'])).toThrow(/unknown constant/);
    expect(() => parseOptions(['--serve', 'ours-auth,apollo'])).toThrow(/one server/);
    expect(() => parseOptions(['--serve', 'apollo', '--quick'])).toThrow(/one server/);
    expect(() => parseOptions(['--serve'])).toThrow(/needs a comma-separated list/);
  });
});

describe('bench --serve ours-auth', () => {
  it('serves the checked workloads with the printed header and bodies until interrupted', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--serve', 'ours-auth'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('Ctrl-C stops the server.') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(out, err).toContain('Ctrl-C stops the server.');
      const url = /^SERVING ours-auth at (http:\/\/127\.0\.0\.1:\d+\/graphql)$/m.exec(out)?.[1];
      const authorization = /^header authorization: (Bearer \S+)$/m.exec(out)?.[1];
      const body = (id: string) => new RegExp(`^body ${id}: (\\S+)$`, 'm').exec(out)?.[1];
      expect(url).toBeDefined();
      expect(authorization).toBeDefined();
      const w2 = body('W2')!;
      const w3 = body('W3')!;
      const post = async (path: string) => {
        const response = await fetch(url!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: authorization! },
          body: readFileSync(path),
          signal: AbortSignal.timeout(15_000),
        });
        expect(response.status).toBe(200);
        return (await response.json()) as { data: Record<string, { edges: { node: Record<string, unknown> }[] }> };
      };
      expect((await post(w2)).data.artifacts!.edges).toHaveLength(50);
      const w3Answer = (await post(w3)).data.collections!.edges;
      expect(w3Answer).toHaveLength(10);
      // Without the header ours answers 401: the printed header is what makes it work.
      const anonymous = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(w2) });
      expect(anonymous.status).toBe(401);

      process.kill(-child.pid!, 'SIGINT');
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
      expect(code).toBe(130);
      expect(existsSync(dirname(w2))).toBe(false);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 90_000);
});
