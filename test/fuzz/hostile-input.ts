import fc from 'fast-check';
import net from 'node:net';

/**
 * Hostile-input building blocks shared by the fuzz suites: field names and values an attacker (or a broken client)
 * sends, ways of encoding them into an urlencoded body, content types and raw HTTP requests.
 */

/** A marker that must never come back unescaped: as a tag, or breaking out of a quoted attribute. */
export const PROBE = 'xss-probe';
export const INJECTIONS = [
  `<${PROBE}>`,
  `"><${PROBE} a="`,
  `' ${PROBE}='1`,
  `" ${PROBE}="1`,
  `</textarea><${PROBE}>`,
  `</script><${PROBE}>`,
  `<!--<${PROBE}>-->`,
] as const;

/** True when the HTML reflects a probe unescaped (an injected tag, or an attribute that broke out of its quotes). */
export function reflectsProbe(html: string): boolean {
  return new RegExp(`<${PROBE}|["']\\s*${PROBE}=`).test(html);
}

const CONTROL = fc.constantFrom('\u0000', '\u0001', '\u0007', '\b', '\u000b', '\u000c', '\u001b', '\u007f', '\r', '\n', '\t', '\u2028', '\ufeff', '\ud800');

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '__proto__[admin]',
    'constructor[prototype][admin]',
    '$where',
    '$gt',
    '$ne',
    'q[$gt]',
    'overall[$ne]',
    'overall[]',
    '_token[]',
    '_token[$ne]',
    'a.b',
    'overall.x',
    'answers.overall',
    '$set',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '',
    ' ',
    'overall ',
    'OVERALL',
    'website',
    'email[]',
    'password[$ne]',
  ),
  // a[b][c][d]… nesting, from shallow to absurd.
  fc.tuple(fc.constantFrom('a', 'overall', '_token', 'csv', 'kind'), fc.integer({ min: 1, max: 400 })).map(([root, depth]) => root + '[x]'.repeat(depth)),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.tuple(fc.string({ maxLength: 5 }), CONTROL, fc.string({ maxLength: 5 })).map(([a, c, b]) => a + c + b),
);

export const hostileValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"$gt":""}',
      '{"$ne":null}',
      'sleep(1000)',
      'this.a == 1',
      '1; return true',
      'NaN',
      'Infinity',
      '-0',
      '1e309',
      '0x10',
      '5\u0000',
      '٥',
      '５',
    ),
  },
  // Long values: some fit the 16 kB form limit, some do not.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'ý', '\u0000', '%', '<'), fc.integer({ min: 1_000, max: 20_000 })).map(([c, n]) => c.repeat(n)) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), CONTROL, fc.string({ maxLength: 5 })).map(([a, c, b]) => a + c + b) },
);

/** encodeURIComponent over UTF-8 bytes, so lone surrogates (which it refuses) go out as U+FFFD like a browser sends them. */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.!~*'()]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What the server sees of a string after UTF-8 encoding (lone surrogates become U+FFFD). */
export const asSent = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/** How a component goes on the wire: properly escaped, raw, or with invalid percent escapes mixed in. */
const BAD_ESCAPES = ['%', '%z', '%zz', '%C3%28', '%FF', '%ED%A0%80', '%C0%AF', '%E2%82', '%%', '%2', '%u0041', '%00'];
export const encodedComponent = (text: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(percentEncode(text)),
    fc.constant(text),
    fc.tuple(fc.constantFrom(...BAD_ESCAPES), fc.nat({ max: text.length })).map(([bad, at]) => {
      const escaped = percentEncode(text);
      const cut = Math.min(at, escaped.length);
      return escaped.slice(0, cut) + bad + escaped.slice(cut);
    }),
  );

/** An urlencoded body from (key, value) pairs, each encoded its own way; repeated keys and stray `&`/`=` happen too. */
export function urlencodedBody(pairs: fc.Arbitrary<Array<[string, string]>>): fc.Arbitrary<string> {
  return pairs.chain((list) =>
    fc
      .tuple(
        ...list.map(([k, v]) =>
          fc
            .tuple(encodedComponent(k), encodedComponent(v), fc.constantFrom('=', '=', '=', '', '=='))
            .map(([ek, ev, eq]) => (eq === '' ? ek : `${ek}${eq}${ev}`)),
        ),
        fc.constantFrom('&', '&', '&&', ';'),
      )
      .map((parts) => {
        const sep = parts.pop() as string;
        return (parts as string[]).join(sep);
      }),
  );
}

export const hostilePairs = (extra: fc.Arbitrary<Array<[string, string]>> = fc.constant([])) =>
  fc
    .tuple(fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 12 }), extra)
    .chain(([pairs, more]) => fc.shuffledSubarray([...pairs, ...more], { minLength: pairs.length + more.length }));

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    '',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'application/x-www-form-urlencoded; charset=UTF-8',
    'application/x-www-form-urlencoded;charset=utf8',
    'application/x-www-form-urlencoded; charset="utf-8"',
    'application/x-www-form-urlencoded; charset=iso-8859-1',
    'application/x-www-form-urlencoded; charset=utf-16le',
    'application/x-www-form-urlencoded; charset=',
    'application/x-www-form-urlencoded; charset',
    'application/x-www-form-urlencoded; boundary=x; charset=utf-8; charset=latin1',
    'APPLICATION/X-WWW-FORM-URLENCODED',
    'application/x-www-form-urlencoded, application/json',
    'application/json',
    'application/json; charset=utf-8',
    'application/merge-patch+json',
    'text/plain',
    'text/plain; charset=utf-7',
    'text/html',
    'multipart/form-data; boundary=----x',
    'multipart/form-data',
    'application/octet-stream',
    'application/xml',
    '*/*',
    'application/*',
    'x-www-form-urlencoded',
    ';;;',
  ),
  fc.string({ maxLength: 60 }),
);

/** Response status and raw header block of one raw HTTP exchange (the app listening on `port`). */
export interface RawResponse {
  status: number;
  head: string;
  text: string;
}

/**
 * Sends `bytes` as-is over a fresh TCP connection and reads the first response (the request asks the server to
 * close). With `halfClose` the client also ends its side at once, as a client giving up mid-request does.
 * Status 0: the server closed the connection without answering.
 */
export function rawRequest(port: number, bytes: Buffer, options: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      // Interim answers (100 Continue) come before the real one.
      const text = Buffer.concat(chunks)
        .toString('latin1')
        .replace(/^(HTTP\/1\.1 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!match) {
        if (text.length === 0) resolve({ status: 0, head: '', text: '' });
        else reject(new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const end = text.indexOf('\r\n\r\n');
      resolve({ status: Number(match[1]), head: end === -1 ? text : text.slice(0, end), text });
    });
    if (options.halfClose) socket.end(bytes);
    else socket.write(bytes);
  });
}

/** Chunked transfer encoding of `body`, well-formed or broken in one of the ways a parser must survive. */
export function chunked(body: Buffer, style: 'ok' | 'bad-size' | 'no-terminator' | 'extension' | 'huge-size' | 'negative'): Buffer {
  const parts: Buffer[] = [];
  const step = Math.max(1, Math.ceil(body.length / 3));
  for (let i = 0; i < body.length; i += step) {
    const piece = body.subarray(i, i + step);
    const size = style === 'extension' ? `${piece.length.toString(16)};name=value` : piece.length.toString(16);
    parts.push(Buffer.from(`${size}\r\n`), piece, Buffer.from('\r\n'));
  }
  if (style === 'bad-size') parts.unshift(Buffer.from('zz\r\nxx\r\n'));
  if (style === 'huge-size') parts.unshift(Buffer.from('ffffffffffffffffff\r\n'));
  if (style === 'negative') parts.unshift(Buffer.from('-1\r\n'));
  if (style !== 'no-terminator') parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Counts outcomes of a property; printed with FUZZ_STATS=1 to check that a generator reaches past the first gate. */
export function tally(label: string) {
  const counts = new Map<string, number>();
  return {
    add: (key: string | number) => counts.set(String(key), (counts.get(String(key)) ?? 0) + 1),
    print: () => {
      if (process.env.FUZZ_STATS) console.log(`${label}: ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
    },
  };
}
