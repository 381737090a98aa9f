import { verifyPassword } from './passwords';

/**
 * Each argon2 check takes 19 MiB (64 MiB for hashes of earlier versions) and a libuv pool thread (4 by default, shared with file and DNS work). Per
 * account and per address the database-backed throttle bounds the checks; this per-process cap bounds what
 * many addresses together can start: at most MAX_RUNNING at once, MAX_WAITING queued, the rest refused (429).
 * It protects this process's resources only, so living in its memory is right.
 */
const MAX_RUNNING = 2;
const MAX_WAITING = 32;

let running = 0;
const waiting: (() => void)[] = [];

/** The check's result, or null when too many checks are already waiting. */
export async function verifyWithinCapacity(hash: string, password: string): Promise<boolean | null> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) return null;
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await verifyPassword(hash, password);
  } finally {
    // Hand the slot straight to the next waiter (running stays the same), or give it back.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}
