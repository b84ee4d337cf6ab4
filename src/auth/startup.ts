/**
 * The start-up rule for authentication. With no active API key the API is open, which is only acceptable when
 * nobody else can reach it: then the server must listen on loopback, and says so in the log. Asked to listen on
 * any other address without keys, it refuses to start rather than serve case narratives to the network.
 */
import { isIP } from 'node:net';

export type AuthMode = 'keys' | 'open';

export class OpenNetworkError extends Error {
  constructor(host: string) {
    super(
      `refusing to listen on ${host} with no API keys: the API would be open to the network. Create a key (ai-crime-classifier keys create --owner <name> --role admin) or set HOST=127.0.0.1`,
    );
    this.name = 'OpenNetworkError';
  }
}

/** True only for addresses that cannot be reached from another machine. `0.0.0.0` and `::` are every interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** @throws OpenNetworkError when there are no keys and the host is not loopback. */
export function decideAuthMode(host: string, activeKeys: number): AuthMode {
  if (activeKeys > 0) return 'keys';
  if (!isLoopbackHost(host)) throw new OpenNetworkError(host);
  return 'open';
}
