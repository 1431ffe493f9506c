/**
 * The ceiling: a plain node:http server answering every request with one constant JSON body
 * (our W2 answer, byte for byte), after reading the request body like a real server would.
 * Usage: node bench/servers/constant.ts --port N --body FILE
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

function argument(name: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  if (!value) throw new Error(`missing --${name}`);
  return value;
}

const body = readFileSync(argument('body'));
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) };
const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});
server.listen(Number(argument('port')), '127.0.0.1');
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
