/** Locations inside the installed package, found by walking up to package.json (works from src/ and dist/src/). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'taxonomy'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the ai-crime-classifier package root');
    dir = up;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const DEFAULT_TAXONOMY_DIR = join(PACKAGE_ROOT, 'taxonomy');
export const SAMPLES_DIR = join(PACKAGE_ROOT, 'samples');
