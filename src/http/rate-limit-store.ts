import type { Store } from 'express-rate-limit';
import type { Logger } from '../logger';

/**
 * Where the rate limits count. Without RATE_LIMIT_REDIS_URL each instance counts in its own memory (N instances:
 * N times the ceiling, which one server does not mind). With it, every instance counts in one Redis or Valkey, so a
 * flood meets the same ceiling whichever instance answers (express-rate-limit's Redis store, rate-limit-redis).
 *
 * A limit is not what keeps answers or figures right: when Redis cannot be reached the limiters let requests
 * through (`passOnStoreError`) rather than refuse a parent's answer, and say so in the log.
 */
export interface LimitStores {
  /** The store of one limiter (`name` keeps its counters apart), or undefined for the limiter's own memory. */
  storeFor(name: string): Store | undefined;
  readonly shared: boolean;
  close(): Promise<void>;
}

export const memoryLimitStores: LimitStores = { storeFor: () => undefined, shared: false, close: () => Promise.resolve() };

/** Connects to Redis or Valkey at `url` (redis://…); fails when it cannot be reached at start. */
export async function redisLimitStores(url: string, logger: Logger): Promise<LimitStores> {
  // Loaded only when a shared store is configured: the Redis client holds about 25 MB of RSS once loaded.
  const [{ createClient }, { RedisStore }] = await Promise.all([import('@redis/client'), import('rate-limit-redis')]);
  const client = createClient({
    url,
    // Without a connection a command fails at once (the limiter then lets the request through) instead of waiting
    // in a queue while the request hangs.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000) },
  });
  let lastLogged = 0;
  client.on('error', (error: Error) => {
    // Reconnection attempts repeat the error: once a minute in the log is enough.
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error }, 'rate-limit store (Redis) unreachable: limits are not enforced until it is back');
  });
  await client.connect();
  return {
    shared: true,
    storeFor: (name) => new RedisStore({ prefix: `hl:rl:${name}:`, sendCommand: (...args: string[]) => client.sendCommand(args) }),
    close: async () => {
      await client.close().catch(() => {
        client.destroy();
      });
    },
  };
}
