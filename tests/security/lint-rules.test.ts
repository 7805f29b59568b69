import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The lint rules that guard server code really fire: Math.random (predictable tokens) and
 * rendering a view with raw request input (template injection, prototype keys reaching EJS
 * options). The fixture is linted as if it were a server file.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** ESLint's own CLI (Jest's module loader cannot import the ESM config), reading stdin. */
async function lintAsServerFile(code: string): Promise<string[]> {
  const run = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--stdin',
      '--stdin-filename',
      'server/lint-fixture.ts',
      '--format',
      'json',
    ],
    { cwd: ROOT, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ message: string }> }>;
  return (result?.messages ?? []).map((m) => m.message);
}

const render = (args: string) => `
  import type { Request, Response } from 'express';
  export function page(req: Request, res: Response): void {
    res.render(${args});
  }
`;

describe('server lint rules', () => {
  it('ban Math.random', async () => {
    const messages = await lintAsServerFile('export const token = Math.random().toString(36);\n');
    expect(messages.join('\n')).toMatch(/Math\.random.*Use crypto\.randomInt/);
  });

  it('ban rendering a view with req.query or req.body, directly or spread', async () => {
    for (const args of [
      "'pages/x', req.query",
      "'pages/x', req.body",
      "'pages/x', { ...req.body }",
      "'pages/x', { title: 'x', ...req.query }",
    ]) {
      expect(await lintAsServerFile(render(args))).toContain(
        'Never render a view with raw request input.',
      );
    }
  });

  it('leave ordinary server code alone', async () => {
    const ok = `import { randomInt } from 'node:crypto';\nexport const n = randomInt(10);\n${render(
      "'pages/x', { title: String(req.query.q ?? '') }",
    )}`;
    expect(await lintAsServerFile(ok)).toEqual([]);
  });
});
