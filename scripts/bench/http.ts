/**
 * HTTP helpers for the cases. The bench stands where a TLS-terminating reverse proxy would (the app runs with
 * TRUST_PROXY=1): every simulated respondent gets its own X-Forwarded-For address, as phones scanning a QR code
 * would, so the per-IP rate limits see many clients instead of one. The addresses come from 198.18.0.0/15, the
 * range reserved for benchmarks (RFC 2544); they are header values only, no traffic goes to them.
 */
export function forwardedFor(n: number): string {
  const i = n % 131072;
  return `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

/** Admin requests carry X-Forwarded-Proto: https, as behind the proxy, so production's secure cookies are set. */
export const PROXY_HTTPS = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.18.255.254' } as const;

export function tokenFrom(html: string): string | undefined {
  return /name="_token" value="([^"]+)"/.exec(html)?.[1];
}

/** The CSRF token of a page's form. */
export const csrfFrom = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** name=value pairs of Set-Cookie headers, merged into a Cookie header value. */
function mergeCookies(current: string, response: Response): string {
  const jar = new Map(
    current
      .split('; ')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const),
  );
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(';')[0]!;
    const at = pair.indexOf('=');
    if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return [...jar.entries()].map(([name, value]) => `${name}=${value}`).join('; ');
}

/**
 * Signs in through the real login form (CSRF token included) and returns the Cookie header of the session. A 503
 * (the database too busy to count the attempt: seen right after seeding a million answers, while it still writes
 * them out) is tried again a few times, as a person would.
 */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await signInOnce(baseUrl, email, password);
    } catch (error) {
      if (!(error instanceof BusyError) || attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

class BusyError extends Error {}

async function signInOnce(baseUrl: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${baseUrl}/admin/login`, { headers: PROXY_HTTPS });
  let cookie = mergeCookies('', page);
  const body = new URLSearchParams({ _csrf: csrfFrom(await page.text()), email, password });
  const res = await fetch(`${baseUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...PROXY_HTTPS, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  await res.arrayBuffer();
  if (res.status === 503) throw new BusyError('bench sign-in failed with HTTP 503');
  if (res.status !== 303) throw new Error(`bench sign-in failed with HTTP ${res.status}`);
  cookie = mergeCookies(cookie, res);
  return cookie;
}

/** Polls `url` until it answers 200, at most `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(url).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}
