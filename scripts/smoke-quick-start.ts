// README.md's quick start, followed as written, in the smoke app (the packed tarball, express, express-session
// and mongodb installed there): the README's install line names everything the app needs and the tarball `npm pack`
// writes, and its app.mjs, started with the README's own command, serves sessions that count up, as does its
// CommonJS app.cjs, neither printing a warning.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

function fail(message: string): never {
  throw new Error(`README quick start: ${message}`);
}

/** The fenced code blocks of `markdown`, in order, with their language. */
const blocksOf = (markdown: string): Array<{ lang: string; code: string }> =>
  [...markdown.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));

/** The fenced code blocks of the Quick start section. */
function quickStartBlocks(readme: string): Array<{ lang: string; code: string }> {
  return blocksOf(/\n## Quick start\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? fail('no "## Quick start" section'));
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** A GET with a one-cookie jar, as a browser reloading the page. */
async function visit(url: string, cookie: string): Promise<{ body: string; cookie: string }> {
  const response = await fetch(url, { headers: cookie ? { cookie } : {} });
  const set = response.headers.getSetCookie()[0]?.split(';')[0];
  return { body: await response.text(), cookie: set ?? cookie };
}

export async function checkQuickStart(app: string, mongoUrl: string, readme: string, version: string): Promise<void> {
  const blocks = quickStartBlocks(readme);
  const install = blocksOf(readme).find((b) => b.lang === 'sh' && b.code.includes('npm pack'))?.code ?? fail('no install block with `npm pack`');
  const expected = `npm install ../connect-mongo-next/connect-mongo-next-${version}.tgz express express-session mongodb`;
  if (!install.includes(expected)) fail(`the install block should contain \`${expected}\`:\n${install}`);
  const esm = blocks.find((b) => b.lang === 'js' && b.code.includes('app.listen') && b.code.includes('import '))?.code ?? fail('no app.mjs block');
  const start = blocks.find((b) => b.lang === 'sh' && b.code.includes('node app.mjs'))?.code ?? fail('no `node app.mjs` command');
  writeFileSync(join(app, 'app.mjs'), esm);
  await serveAndReload(app, mongoUrl, start.split('#')[0].trim());
  // The CommonJS version, run the same way (with the secret the ES module command sets).
  const cjs = blocks.find((b) => b.lang === 'js' && b.code.includes("require('connect-mongo-next')"))?.code ?? fail('no CommonJS block');
  writeFileSync(join(app, 'app.cjs'), cjs);
  await serveAndReload(app, mongoUrl, start.split('#')[0].trim().replace('app.mjs', 'app.cjs'));
}

/** Starts `command` in `app`, then two visits sharing a cookie must say "views: 1", then "views: 2", with no warning printed. */
async function serveAndReload(app: string, mongoUrl: string, command: string): Promise<void> {
  const port = await freePort();
  // Through a shell, as typed; in its own process group, so that stopping it stops node too.
  const child = spawn('sh', ['-c', command], { cwd: app, detached: true, env: { ...process.env, PORT: String(port), MONGO_URL: mongoUrl } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const started = Date.now();
    while (!output.includes(`listening on http://localhost:${port}`)) {
      if (child.exitCode !== null || Date.now() - started > 20_000) fail(`\`${command}\` did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = `http://127.0.0.1:${port}/`;
    const first = await visit(url, '');
    const second = await visit(url, first.cookie);
    if (first.body !== 'views: 1' || second.body !== 'views: 2') fail(`expected "views: 1" then "views: 2", got ${JSON.stringify([first.body, second.body])}\n${output}`);
    // express-session's deprecation lines (a missing resave/saveUninitialized) and our own warnings.
    if (/deprecated|warning/i.test(output)) fail(`\`${command}\` printed a warning:\n${output}`);
    console.log(`ok - README quick start: \`${command}\` served "views: 1", then "views: 2" from MongoDB`);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
  }
}
