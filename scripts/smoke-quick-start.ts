// README.md's quick start, followed as written, in the smoke app (the packed tarball, express, express-session
// and mongodb installed there): its install line names everything the app needs and the tarball `npm pack`
// writes, and its app.mjs, started with the README's own command, serves sessions that count up.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

function fail(message: string): never {
  throw new Error(`README quick start: ${message}`);
}

/** The fenced code blocks of the Quick start section, in order, with their language. */
function quickStartBlocks(readme: string): Array<{ lang: string; code: string }> {
  const section = /\n## Quick start\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? fail('no "## Quick start" section');
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
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
  const install = blocks.find((b) => b.lang === 'sh' && b.code.includes('npm pack'))?.code ?? fail('no install block with `npm pack`');
  const expected = `npm install ../connect-mongo-next/connect-mongo-next-${version}.tgz express express-session mongodb`;
  if (!install.includes(expected)) fail(`the install block should contain \`${expected}\`:\n${install}`);
  const code = blocks.find((b) => b.lang === 'js' && b.code.includes('app.listen'))?.code ?? fail('no app.mjs block');
  const start = blocks.find((b) => b.lang === 'sh' && b.code.includes('node app.mjs'))?.code ?? fail('no `node app.mjs` command');
  writeFileSync(join(app, 'app.mjs'), code);

  const port = await freePort();
  const command = start.split('#')[0].trim();
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
    console.log(`ok - README quick start: \`${command}\` served "views: 1", then "views: 2" from MongoDB`);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
  }
}
