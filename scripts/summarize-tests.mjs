// Prints the last line of `npm test`: every vitest test of every run (driver 7, 6, 5, examples) plus each
// non-vitest check (typecheck, lint, build, package contents, publint, attw, smoke installs) as one test.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.tmp/test-results';
let passed = 0;
let failed = 0;
let skipped = 0;
const parts = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  parts.push(`${file.replace(/\.json$/, '')} ${report.numPassedTests}`);
}
const checksFile = join(dir, 'checks.txt');
const checks = existsSync(checksFile) ? readFileSync(checksFile, 'utf8').split('\n').filter((l) => l.startsWith('pass ')) : [];
passed += checks.length;
parts.push(`checks ${checks.length}`);
console.log(`(vitest tests per run and other checks: ${parts.join(', ')})`);
console.log(`npm test: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed > 0) process.exitCode = 1;
