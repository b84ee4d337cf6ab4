/** The built server (`node dist/src/server.js`, what `npm start` runs) as a child process, for crash and load tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const BUILT_SERVER = join(PACKAGE_ROOT, 'dist', 'src', 'server.js');
export const HAVE_BUILT_SERVER = existsSync(BUILT_SERVER);

export interface ChildServer {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code, or the signal name when it was killed. */
  exited: Promise<number | string>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
}

/** Starts the built server on a free loopback port and resolves once it logs `listening`. */
export async function startBuiltServer(env: Record<string, string>, timeoutMs = 20_000): Promise<ChildServer> {
  const child = spawn(process.execPath, [BUILT_SERVER], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = (): void => {
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      const u = line ? /"url":"([^"]+)"/.exec(line)?.[1] : undefined;
      if (u) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(u);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${out}`));
    });
  });
  return { child, url, exited, output: () => out };
}
