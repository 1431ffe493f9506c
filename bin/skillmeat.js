#!/usr/bin/env node
// The `skillmeat` command: runs the TypeScript CLI (src/cli/main.ts) through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
