#!/usr/bin/env node
// Regenerates src/protocol/generated/ from spec/kafka/. `--check` compares instead of writing
// and exits 1 on any difference, missing or extra file (the test suite runs it so generated code
// never drifts).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateErrorCodes } from './gen/error-codes.mjs';
import { generateMessages } from './gen/messages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'src/protocol/generated');
const check = process.argv.includes('--check');

/** @type {Map<string, string>} file name -> content */
const files = new Map();
files.set('error-codes.ts', generateErrorCodes(join(root, 'spec/kafka/error-codes.tsv')));

for (const [name, content] of generateMessages(join(root, 'spec/kafka/messages'))) files.set(name, content);

let differences = 0;
mkdirSync(outDir, { recursive: true });
for (const [name, content] of files) {
  const path = join(outDir, name);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (current === content) continue;
  differences++;
  if (check) console.error(`generated file differs from the spec: src/protocol/generated/${name}`);
  else writeFileSync(path, content);
}
// A file the spec no longer produces (an API removed or renamed) must not linger.
for (const name of readdirSync(outDir)) {
  if (files.has(name)) continue;
  differences++;
  if (check) console.error(`generated file has no spec behind it: src/protocol/generated/${name}`);
  else rmSync(join(outDir, name));
}
if (check && differences > 0) {
  console.error(`${differences} generated file(s) out of date: run 'npm run gen'`);
  process.exit(1);
}
if (!check) console.log(`generated ${files.size} files (${differences} changed)`);
