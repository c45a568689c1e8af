#!/usr/bin/env node
// The `research-relay` command: runs the TypeScript CLI through tsx's require hook.
require('tsx/cjs');
require('../src/cli/cliMain.ts');
