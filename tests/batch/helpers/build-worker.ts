/**
 * Vitest runs TypeScript sources, but a worker thread is plain Node and cannot load `.ts`. This transpiles
 * the worker entry and everything it imports (relative imports only) into node_modules/.cache, where the
 * package root and node_modules resolve as they do from dist/. Type-free transpilation: ~100 ms.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

const OUT = join(ROOT, 'node_modules', '.cache', 'batch-worker-test', String(process.pid));

/** Removes this process's transpiled copy (call from afterAll). */
export function removeBuiltWorker(): void {
  rmSync(OUT, { recursive: true, force: true });
}

export function buildWorker(entry = 'src/batch/tag-worker.ts'): URL {
  const out = OUT;
  const seen = new Set<string>();
  const queue = [join(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)) {
      queue.push(resolve(dirname(file), `${m[1] as string}.ts`));
    }
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
      fileName: file,
    }).outputText;
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  return pathToFileURL(join(out, entry.replace(/\.ts$/, '.js')));
}
