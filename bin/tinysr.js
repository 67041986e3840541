#!/usr/bin/env node
// Thin launcher: the CLI itself is TypeScript compiled to dist/ by `npm run build` (run by the install command).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
