import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ECS_WORDS } from './ecs-words.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the import checker with berth's rules on a small tree of files; its exit code and report. */
function cruise(files: Record<string, string>): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext' } }));
  return new Promise((resolve) => {
    execFile(
      join(root, 'node_modules', '.bin', 'depcruise'),
      ['--config', join(root, '.dependency-cruiser.cjs'), 'src'],
      { cwd: dir },
      (err, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
      },
    );
  });
}

const tasks = {
  'src/control-plane/tasks/tasks.ts': 'export const stopTask = () => 1;\n',
  'src/control-plane/index.ts': "export * from './tasks/tasks.js';\n",
};

it('refuses an import of another module’s file, not of its index, nor within a module', async () => {
  const deep = await cruise({
    ...tasks,
    'src/aws-api/ops.ts': "import { stopTask } from '../control-plane/tasks/tasks.js';\nexport const x = stopTask;\n",
  });
  assert.notEqual(deep.code, 0, deep.out);
  assert.match(deep.out, /no-deep-import: src\/aws-api\/ops\.ts → src\/control-plane\/tasks\/tasks\.ts/);
  const face = await cruise({
    ...tasks,
    'src/aws-api/ops.ts': "import { stopTask } from '../control-plane/index.js';\nexport const x = stopTask;\n",
    'src/control-plane/other.ts': "import { stopTask } from './tasks/tasks.js';\nexport const y = stopTask;\n",
  });
  assert.equal(face.code, 0, face.out);
});

it('refuses an import the module table does not allow, even through an index', async () => {
  const r = await cruise({
    ...tasks,
    'src/registry/x.ts': "import { stopTask } from '../control-plane/index.js';\nexport const x = stopTask;\n",
  });
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /registry-imports/);
});

it('the agent and the wire use no ECS container-definition field (the neutral workload is all they read)', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? files(join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.includes('test')
          ? [join(dir, e.name)]
          : [],
    );
  const found: string[] = [];
  for (const f of [...files('src/agent'), ...files('src/wire')]) {
    const text = readFileSync(join(root, f), 'utf8');
    for (const w of ECS_WORDS) {
      // As a property read, an object key or a quoted key: not in prose.
      if (new RegExp(`\\.${w}\\b|\\b${w}\\??\\s*:|['"]${w}['"]`).test(text)) found.push(`${f}: ${w}`);
    }
  }
  // CNI's portmap plugin names its own capability portMappings.
  assert.deepEqual(
    found.filter((x) => x !== 'src/agent/runtime/network.ts: portMappings'),
    [],
  );
});
