// The documentation's code cannot drift: every fenced block of README.md and docs/ says its language, each
// TypeScript block compiles under `tsc --strict` against the source (imported as 'connect-mongo-next'), each
// JavaScript block parses, the options table lists every option, and relative links point at files.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { KNOWN_OPTIONS } from '../../src/unknown-options';

const root = path.resolve(import.meta.dirname, '../..');
const pages = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
// Blocks shown, never run: commands, diffs, output.
const SHOWN = new Set(['sh', 'diff', 'text']);
// Written by work landing separately; remove an entry once its file exists.
const PENDING_PAGES = new Set<string>();

interface Block {
  page: string;
  line: number;
  lang: string;
  code: string;
}

function blocksOf(page: string): Block[] {
  const lines = readFileSync(path.join(root, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`${page}:${i + 1}: unclosed code block`);
    blocks.push({ page, line: i + 1, lang: open[1], code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const blocks = pages.flatMap(blocksOf);
const where = (b: Block) => `${b.page}:${b.line}`;

/** Type errors of the TypeScript blocks, each compiled as its own module in one program. */
function typeErrors(tsBlocks: Block[]): string[] {
  const files = new Map(tsBlocks.map((b) => [path.join(root, '.docs-blocks', `${b.page.replace(/\W/g, '_')}_${b.line}.ts`), b]));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    isolatedModules: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
    baseUrl: root,
    // The package as its source; mongodb-memory-server re-exports its -core package, installed here.
    paths: { 'connect-mongo-next': ['src/index.ts'], 'mongodb-memory-server': ['node_modules/mongodb-memory-server-core'] },
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => files.get(name)?.code ?? readFile(name);
  host.getSourceFile = (name, language, ...rest) => {
    const block = files.get(name);
    return block ? ts.createSourceFile(name, block.code, language) : getSourceFile(name, language, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const block = d.file && files.get(d.file.fileName);
    const line = block && d.start !== undefined ? block.line + 1 + d.file!.getLineAndCharacterOfPosition(d.start).line : '?';
    return `${block ? block.page : d.file?.fileName}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('code blocks in README.md and docs/', () => {
  it('there are some, in every page that shows code', () => {
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThan(5);
    expect(blocks.filter((b) => b.lang === 'js').length).toBeGreaterThanOrEqual(2);
  });

  it('each says its language: ts and js are checked, sh, diff and text are only shown', () => {
    const unknown = blocks.filter((b) => b.lang !== 'ts' && b.lang !== 'js' && !SHOWN.has(b.lang));
    expect(unknown.map((b) => `${where(b)}: \`\`\`${b.lang}`)).toEqual([]);
  });

  it('every TypeScript block compiles under --strict', () => {
    const tsBlocks = blocks.filter((b) => b.lang === 'ts');
    for (const b of tsBlocks) expect(b.code, `${where(b)} must be a module (import or export)`).toMatch(/^(import|export) /m);
    expect(typeErrors(tsBlocks)).toEqual([]);
  });

  it('every JavaScript block parses', () => {
    for (const b of blocks.filter((x) => x.lang === 'js')) {
      const { diagnostics = [] } = ts.transpileModule(b.code, { fileName: 'block.mjs', reportDiagnostics: true, compilerOptions: { allowJs: true } });
      expect(diagnostics.map((d) => `${where(b)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
    }
  });
});

describe('README.md', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

  it('stays at most 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('its options table has a row for every option', () => {
    const section = /\n## Options\n([\s\S]*?)\n## /.exec(readme)![1];
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    const named = new Set(rows.flatMap((row) => [...row.split('|')[1].matchAll(/`(\w+)`/g)].map((m) => m[1])));
    expect(KNOWN_OPTIONS.filter((option) => !named.has(option))).toEqual([]);
  });
});

describe('links between pages', () => {
  it('every relative link points at a file of the repository', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(path.join(root, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const file = path.normalize(path.join(path.dirname(page), target.split('#')[0]));
        if (!existsSync(path.join(root, file)) && !PENDING_PAGES.has(file)) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
