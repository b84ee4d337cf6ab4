/**
 * Server start-up for authentication: decide open or key mode (refusing a non-loopback address without keys,
 * see startup.ts), say which in the log, and build the middleware.
 */
import type { Logger } from 'pino';
import type { CaseStore } from '../store/store.js';
import { createAuth, type Auth, type AuthDeps } from './middleware.js';
import { decideAuthMode, isLoopbackHost } from './startup.js';

/** Without a store there is nowhere to keep keys: the same as a store without any. */
const NO_KEYS: AuthDeps['store'] = {
  findApiKeyByHash: () => Promise.resolve(undefined),
  countActiveApiKeys: () => Promise.resolve(0),
};

export interface SetupAuthOptions {
  store: Pick<CaseStore, 'findApiKeyByHash' | 'countActiveApiKeys'> | undefined;
  host: string;
  logger: Logger;
}

/** @throws OpenNetworkError when there is no active key and `host` is not a loopback address. */
export async function setupAuth(options: SetupAuthOptions): Promise<Auth> {
  const store = options.store ?? NO_KEYS;
  const activeKeys = await store.countActiveApiKeys();
  const mode = decideAuthMode(options.host, activeKeys);
  if (mode === 'open') {
    options.logger.warn(
      { auth: 'open', host: options.host },
      'no API keys configured: the API is OPEN to anyone on this machine (loopback only); create one with `ai-crime-classifier keys create` to require keys',
    );
  } else {
    options.logger.info({ auth: 'keys', activeKeys }, 'API keys required');
  }
  return createAuth({ store, allowOpen: isLoopbackHost(options.host) });
}
