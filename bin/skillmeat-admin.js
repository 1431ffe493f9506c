#!/usr/bin/env node
// The `skillmeat-admin` command: runs the server's admin commands (src/admin/main.ts) through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/admin/main.ts');
