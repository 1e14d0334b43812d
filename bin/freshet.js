#!/usr/bin/env node
// The `freshet` command. The sources are TypeScript; tsx (a runtime dependency) loads them.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');
