import { tokenFrom } from '../helpers/survey-fixtures';

/**
 * Virtual respondents against a served app (loopback only): each loads a form, takes its token and posts the
 * answers. Bounded by count and time; it stops by itself. Every answer's fate is recorded by token id, so a
 * test can check that each accepted (303) answer is stored exactly once.
 */
export interface Target {
  path: string;
  fields: () => Record<string, string>;
}

export interface Attempt {
  path: string;
  body: Record<string, string>;
  tokenId: string;
  status: number;
  /** When the answer to the POST arrived (Date.now()). */
  answeredAt: number;
}

export interface LoadOptions {
  baseUrl: string;
  targets: Target[];
  concurrency: number;
  durationMs: number;
  maxRespondents: number;
  /**
   * Give each respondent its own client address (X-Forwarded-For; the app must trust one proxy hop), as parents
   * answering on their own phones do. Without it every respondent shares loopback and meets the per-address limits.
   */
  distinctClients?: boolean;
  /** With distinct clients: every `crowded`-th respondent answers from one shared address (a school's Wi-Fi). */
  crowded?: number;
}

export const tokenIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())[0] as string;

/**
 * fetch with a 15 s limit whose timer is cleared as soon as the answer is read. `AbortSignal.timeout` keeps each
 * request's buffers reachable until its timer fires: at a few hundred requests a second that was hundreds of MB
 * in the test process, which the soak's memory check then blamed on the app.
 */
async function fetchText(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort();
  }, 15_000);
  try {
    const res = await fetch(url, { ...init, signal: controller.signal });
    return { status: res.status, text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

export function post(
  baseUrl: string,
  path: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return fetchText(`${baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });
}

/** One respondent: GET the form, POST it. Network failures (the server killed) count as status 0. */
async function respond(baseUrl: string, target: Target, headers: Record<string, string>): Promise<Attempt | null> {
  try {
    const page = await fetchText(`${baseUrl}${target.path}`, { headers });
    if (page.status !== 200) return null;
    // A copy, not a slice: V8 keeps the whole 20 KB page alive behind a substring, for every attempt recorded.
    const token = Buffer.from(tokenFrom(page.text)).toString();
    const body = { _token: token, ...target.fields() };
    try {
      const res = await post(baseUrl, target.path, body, headers);
      return { path: target.path, body, tokenId: tokenIdOf(token), status: res.status, answeredAt: Date.now() };
    } catch {
      return { path: target.path, body, tokenId: tokenIdOf(token), status: 0, answeredAt: Date.now() };
    }
  } catch {
    return null;
  }
}

export async function runLoad(options: LoadOptions): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const deadline = Date.now() + options.durationMs;
  let started = 0;
  const worker = async (n: number) => {
    while (Date.now() < deadline && started < options.maxRespondents) {
      started += 1;
      const target = options.targets[(started + n) % options.targets.length]!;
      const address =
        options.crowded && started % options.crowded === 0 ? '10.250.0.1' : `10.${(started >> 16) & 255}.${(started >> 8) & 255}.${started & 255}`;
      const headers: Record<string, string> = options.distinctClients ? { 'x-forwarded-for': address } : {};
      const attempt = await respond(options.baseUrl, target, headers);
      if (attempt) attempts.push(attempt);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, n) => worker(n)));
  return attempts;
}

export function countStatuses(attempts: Attempt[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of attempts) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}
