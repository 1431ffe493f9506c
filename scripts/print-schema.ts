/** `npm run schema`: writes schema.graphql from the Pothos schema (and prints it with --stdout). */
import { writeFileSync } from 'node:fs';
import { printSdl } from '../src/schema/index.js';

const sdl = printSdl();
if (process.argv.includes('--stdout')) process.stdout.write(sdl);
else {
  writeFileSync(new URL('../schema.graphql', import.meta.url), sdl);
  console.log('wrote schema.graphql');
}
