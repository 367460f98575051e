// The contributor's scripts, run as a contributor would: `npm test`'s output carries no colour codes when it
// is not a terminal, and `npm run test-server --port N` (missing `--`) says what to type instead of starting
// on a random port.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flagsKeptByNpm } from '../../mongo-server/npm-flags';
import { repoRoot } from '../support/example-process';
import { mongoUrl } from '../support/mongo';

/** Runs a bash snippet from the repository root with stdout piped (not a terminal), as in CI or `| tee`. */
function bash(script: string, env: Record<string, string | undefined> = {}) {
  const merged: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  const result = spawnSync('bash', ['-c', script], { cwd: repoRoot, env: merged, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: result.stdout + result.stderr };
}

const colourEnv = '. scripts/no-colour.sh; echo "NO_COLOR=${NO_COLOR-unset} FORCE_COLOR=${FORCE_COLOR-unset}"';
// vitest's banner only (no test file matches): enough to see whether it colours, and quick.
const vitestBanner = 'exec npx vitest run --passWithNoTests no-such-test-file';

describe('npm test output that is not a terminal', () => {
  it('sets NO_COLOR, turns FORCE_COLOR=0 into NO_COLOR, and leaves an explicit FORCE_COLOR=1 alone', () => {
    const none = { NO_COLOR: undefined, FORCE_COLOR: undefined };
    expect(bash(colourEnv, none).output.trim()).toBe('NO_COLOR=1 FORCE_COLOR=unset');
    expect(bash(colourEnv, { ...none, FORCE_COLOR: '0' }).output.trim()).toBe('NO_COLOR=1 FORCE_COLOR=unset');
    expect(bash(colourEnv, { ...none, FORCE_COLOR: '1' }).output.trim()).toBe('NO_COLOR=unset FORCE_COLOR=1');
  });

  it('vitest prints no escape codes under it (and does without it: the check is real)', () => {
    const env = { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: '1', MONGO_URL: mongoUrl() };
    const plain = bash(`. scripts/no-colour.sh; ${vitestBanner}`, env);
    expect(plain.code).toBe(0);
    expect(plain.output).toContain('RUN');
    expect(plain.output).not.toContain('\u001b[');
    expect(bash(vitestBanner, env).output).toContain('\u001b[');
  });

  it('test.sh and driver-matrix.sh both use it, and test.sh states its duration and the fast paths', () => {
    const testSh = readFileSync(`${repoRoot}scripts/test.sh`, 'utf8');
    expect(testSh).toContain('. scripts/no-colour.sh');
    expect(testSh).toMatch(/about \d+-\d+ minutes on 2 cores/);
    expect(testSh).toContain('npm run test:unit');
    expect(readFileSync(`${repoRoot}scripts/driver-matrix.sh`, 'utf8')).toContain('scripts/no-colour.sh');
  });
});

describe('scripts/no-warnings.sh (test.sh fails a step whose output has a warning)', () => {
  const check = (text: string) => bash(`. scripts/no-warnings.sh; no_warnings <(printf '%s' "$TEXT") 'the step'`, { TEXT: text });

  it("finds Node's warnings, the store's codes and npm's, wherever they come from", () => {
    for (const line of [
      "(node:123) [CONNECT_MONGO_WEAK_SECRET] Warning: createWebCryptoAdapter: the secret is shorter than 32 bytes",
      '(node:9) MaxListenersExceededWarning: Possible EventEmitter memory leak detected.',
      'TimeoutOverflowWarning: 2147483648 does not fit into a 32-bit signed integer.',
      'npm warn EBADENGINE Unsupported engine {',
    ]) {
      const { code, output } = check(`ok - something\n${line}\n`);
      expect(code, line).toBe(1);
      expect(output).toContain('the step printed warnings');
    }
  });

  it('passes output that only talks about warnings (test names, log lines)', () => {
    const { code } = check(' ✓ with no error listener: one process warning with a code\nwarnings: none\n');
    expect(code).toBe(0);
  });
});

describe('npm run test-server --port N, without `--`', () => {
  it('says npm kept the flag and what to type, and exits 2 instead of serving on a random port', () => {
    const { code, output } = bash('npm run --silent test-server --port 27999');
    expect(code).toBe(2);
    expect(output).toContain('test-server: npm kept --port 27999 for itself, so this script never saw it: write `npm run test-server -- --port 27999`');
    expect(output).not.toContain('listening');
  });

  it('recognises each flag form npm swallows, and stays quiet when the flags did reach the script', () => {
    const flags = ['port', 'ttl-monitor-sleep-secs', 'user'];
    expect(flagsKeptByNpm('test-server', flags, ['27017'], { npm_config_port: 'true' })).toContain('-- --port 27017`');
    expect(flagsKeptByNpm('test-server', flags, [], { npm_config_port: '27017' })).toContain('-- --port 27017`');
    expect(flagsKeptByNpm('test-server', flags, ['1'], { npm_config_ttl_monitor_sleep_secs: 'true', npm_config_user: 'a:b' })).toContain(
      '-- --ttl-monitor-sleep-secs 1 --user a:b`',
    );
    expect(flagsKeptByNpm('test-server', flags, ['--port', '27017'], { npm_config_port: '1' })).toBeNull();
    expect(flagsKeptByNpm('test-server', flags, ['--port=27017'], {})).toBeNull();
  });
});
