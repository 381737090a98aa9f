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
}

export interface LoadOptions {
  baseUrl: string;
  targets: Target[];
  concurrency: number;
  durationMs: number;
  maxRespondents: number;
}

export const tokenIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())[0] as string;

export async function post(baseUrl: string, path: string, body: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}

/** One respondent: GET the form, POST it. Network failures (the server killed) count as status 0. */
async function respond(baseUrl: string, target: Target): Promise<Attempt | null> {
  try {
    const page = await fetch(`${baseUrl}${target.path}`, { signal: AbortSignal.timeout(15_000) });
    const html = await page.text();
    if (page.status !== 200) return null;
    const token = tokenFrom(html);
    const body = { _token: token, ...target.fields() };
    try {
      const res = await post(baseUrl, target.path, body);
      return { path: target.path, body, tokenId: tokenIdOf(token), status: res.status };
    } catch {
      return { path: target.path, body, tokenId: tokenIdOf(token), status: 0 };
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
      const attempt = await respond(options.baseUrl, target);
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
