import fc from 'fast-check';
import request from 'supertest';
import { createLink } from '../../src/links/link.service';
import { allowedFields, FIELD, LIMITS, ratingQuestions } from '../../src/surveys/form-fields';
import type { InstrumentDefinition } from '../../src/surveys/instrument.types';
import { SurveyCatalog } from '../../src/surveys/survey-catalog';
import { allProjectorsSettled } from '../../src/projector/projector';
import { listen } from '../helpers/http-server';
import { createTestContext, type TestContext } from '../helpers/test-app';
import { pathOf, seedSurveyFixtures, tokenFrom, type SurveyFixtures } from '../helpers/survey-fixtures';
import {
  asSent,
  chunked,
  contentType,
  hostileKey,
  hostilePairs,
  hostileValue,
  INJECTIONS,
  percentEncode,
  rawRequest,
  reflectsProbe,
  tally,
  urlencodedBody,
} from './hostile-input';

// Generous: property runs are bounded by count, and a loaded 2-core CI machine is slower than a quiet one.
jest.setTimeout(180_000);

/**
 * Property-based fuzzing of the public form (`POST /s/:code`) and kiosk (`POST /k/:code`) endpoints.
 * Whatever arrives, the answer is never a 5xx, nothing is stored unless the body is a valid submission, and the
 * process keeps answering. Bounded run counts keep the file well under a minute on a 2-core machine.
 */
interface Target {
  key: string;
  code: string;
  path: string;
  instrument: InstrumentDefinition;
}

const FORM_LIMIT = 16 * 1024;

describe('when the public forms receive fuzzed hostile input', () => {
  let ctx: TestContext;
  let fx: SurveyFixtures;
  let server: Awaited<ReturnType<typeof listen>>;
  let port: number;
  let targets: Target[];
  /** A genuine token of each link, only ever posted to a different link (so it must be refused). */
  const genuineTokens = new Map<string, string>();

  beforeAll(async () => {
    ctx = await createTestContext();
    fx = await seedSurveyFixtures(ctx.db);
    const catalog = new SurveyCatalog(fx.models.Survey);
    // Extra kiosk links spread the posts over several per-link rate-limit buckets.
    for (let i = 0; i < 3; i++) {
      const link = await createLink({ ...fx.models, catalog }, { surveyKey: 'tthc-quick', unitCode: 'MOTCUA' }, new Date(Date.now() - 1000));
      fx.links[`tthc-quick-${i}`] = link.code;
    }
    targets = Object.entries(fx.links).map(([key, code]) => {
      const instrument = fx.instrument(key.replace(/-\d$/, ''));
      return { key, code, path: pathOf(instrument, code), instrument };
    });
    server = await listen(ctx.app);
    port = Number(new URL(server.baseUrl).port);
    for (const target of targets) genuineTokens.set(target.code, tokenFrom((await request(server.baseUrl).get(target.path).expect(200)).text));
    // Each code's QR images drawn once here, not inside a property's time budget: under jest, pngjs's adaptive
    // filter takes about 2.5 s a PNG (60 ms in plain node, and the app draws each once, then caches it), and a run
    // that drew every code's PNG inside the hostile-GET property went past its 180 s (CI, session 5).
    for (const target of targets) for (const format of ['png', 'svg']) await request(server.baseUrl).get(`/qr/${target.code}.${format}`).expect(200);
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await ctx?.close();
  });

  /** What is stored, once the projector has taken in what the app accepted (contacts and claims are its writes). */
  const stored = async () => {
    await allProjectorsSettled();
    const [responses, contacts, claims] = await Promise.all([
      fx.models.Response.countDocuments(),
      fx.models.Contact.countDocuments(),
      fx.models.DossierClaim.countDocuments(),
    ]);
    return { responses, contacts, claims };
  };

  const targetArb = () => fc.constantFrom(...targets);

  /** A token that must be refused: none, junk, a well-formed payload with a forged signature, or another link's. */
  const invalidToken = (target: Target): fc.Arbitrary<string | undefined> =>
    fc.oneof(
      fc.constant(undefined),
      hostileValue,
      fc
        .tuple(fc.string({ maxLength: 22 }), fc.integer(), fc.integer(), fc.base64String({ maxLength: 44 }))
        .map(
          ([id, version, issuedAt, sig]) =>
            `${Buffer.from(JSON.stringify([id, target.code, version, issuedAt])).toString('base64url')}.${sig.replace(/=/g, '')}`,
        ),
      fc.constantFrom(...targets.filter((t) => t.code !== target.code).map((t) => genuineTokens.get(t.code)!)),
    );

  /** Plausible answers mixed in, so some bodies reach validation and the token check rather than the parser alone. */
  const someAnswers = (target: Target) =>
    fc
      .subarray(ratingQuestions(target.instrument).map((q) => q.key))
      .chain((keys) => fc.tuple(...keys.map((key) => fc.tuple(fc.constant(key), fc.constantFrom('1', '2', '3', '5', ''))))) as fc.Arbitrary<
      Array<[string, string]>
    >;

  it('then random bytes with random content types are refused with a 4xx and store nothing', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 1500 }).map((s) => Buffer.from(s)),
      fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
      fc
        .constantFrom(
          '{"__proto__":{"admin":true},"overall":"5"}',
          '{"$where":"sleep(1000)"}',
          '--x\r\nContent-Disposition: form-data; name="overall"\r\n\r\n5\r\n--x--',
        )
        .map((s) => Buffer.from(s)),
    );
    const encoding = fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip', 'GZIP'), { nil: undefined });
    const before = await stored();
    const seen = tally('random bytes');
    await fc.assert(
      fc.asyncProperty(targetArb(), body, contentType, encoding, async (target, bytes, type, contentEncoding) => {
        const req = request(server.baseUrl).post(target.path);
        if (type !== undefined) req.set('Content-Type', type);
        if (contentEncoding) req.set('Content-Encoding', contentEncoding);
        const res = await req.send(bytes);
        seen.add(res.status);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(await stored()).toEqual(before);
      }),
      { numRuns: 250 },
    );
    seen.print();
  });

  it('then urlencoded bodies with hostile keys and values and no valid token are refused with a 4xx, store nothing and reflect nothing', async () => {
    const case_ = targetArb().chain((target) =>
      fc.record({
        target: fc.constant(target),
        body: urlencodedBody(
          fc
            .tuple(invalidToken(target), someAnswers(target))
            .chain(([token, answers]) => hostilePairs(fc.constant([...(token === undefined ? [] : [['_token', token] as [string, string]]), ...answers]))),
        ),
        type: fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/x-www-form-urlencoded; charset=utf-8',
          'application/x-www-form-urlencoded;charset=UTF-8',
        ),
      }),
    );
    const before = await stored();
    const seen = tally('hostile urlencoded');
    await fc.assert(
      fc.asyncProperty(case_, async ({ target, body, type }) => {
        const res = await request(server.baseUrl).post(target.path).set('Content-Type', type).send(body);
        seen.add(res.status);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(reflectsProbe(res.text)).toBe(false);
        expect(await stored()).toEqual(before);
      }),
      { numRuns: 250 },
    );
    seen.print();
  });

  it('then odd headers (huge values, duplicate content types, chunked and broken chunked bodies) never give a 5xx or store anything', async () => {
    const crlfFree = (s: string) => s.replace(/[\r\n]/g, ' ');
    const header = fc.oneof(
      fc.constantFrom(
        'Content-Type: application/json',
        'Content-Type: text/plain',
        'Content-Type: application/x-www-form-urlencoded',
        'Content-Type: application/x-www-form-urlencoded; charset=latin1',
        'Content-Encoding: gzip',
        'Content-Encoding: x-custom',
        'Accept: application/json',
        'Accept: text/html;q=0, application/json',
        'Accept: */*',
        'Accept-Language: vi;q=1.0, en;q=0.5, *;q=' + '0.1,'.repeat(500),
        'Cookie: lang=j:{"__proto__":{"x":1}}; hl_done=s:abc.def; lang=en',
        'Cookie: hl_done=j:[1,2,3]; lang=%E0%A4%A; hl_sid=s:%ZZ',
        'X-Request-Id: ../../etc/passwd',
        'X-Forwarded-For: 1.2.3.4, <script>',
        'X-Forwarded-Proto: https',
        'Expect: 100-continue',
        'Transfer-Encoding: chunked, identity',
        'Content-Type: application/x-www-form-urlencoded\u0001',
        'Referer: javascript:alert(1)',
        'X-CSRF-Token: ' + 'x'.repeat(100),
      ),
      fc
        .tuple(
          fc.constantFrom('X-Filler', 'User-Agent', 'Cookie', 'Accept', 'Accept-Language', 'Content-Type', 'Referer', 'X-Request-Id'),
          fc.integer({ min: 1000, max: 12_000 }),
          fc.constantFrom('a', 'x=1; ', 'application/x-www-form-urlencoded; a=', '%', ','),
        )
        .map(([name, n, fill]) => `${name}: ${fill.repeat(Math.ceil(n / fill.length)).slice(0, n)}`),
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 200 }))
        .map(([n, v]) => `${crlfFree(n).replace(/[:\s]/g, '') || 'X'}: ${crlfFree(v)}`),
    );
    const framing = fc.constantFrom(
      'content-length',
      'chunked',
      'chunked-bad-size',
      'chunked-no-terminator',
      'chunked-extension',
      'chunked-huge-size',
      'chunked-negative',
      'both',
      'none',
    );
    const case_ = targetArb().chain((target) =>
      fc.record({
        target: fc.constant(target),
        body: urlencodedBody(
          invalidToken(target).chain((token) => hostilePairs(fc.constant(token === undefined ? [] : [['_token', token] as [string, string]]))),
        ),
        headers: fc.array(header, { maxLength: 4 }),
        formType: fc.constantFrom(0, 1, 2),
        framing,
      }),
    );
    const before = await stored();
    const seen = tally('odd headers');
    await fc.assert(
      fc.asyncProperty(case_, async ({ target, body, headers, formType, framing }) => {
        const payload = Buffer.from(body, 'utf8');
        const lines = [`POST ${target.path} HTTP/1.1`, 'Host: hailong.test', 'Connection: close'];
        // 0: no content type, 1: the form type once, 2: the form type twice (a duplicate header).
        for (let i = 0; i < formType; i++) lines.push('Content-Type: application/x-www-form-urlencoded');
        lines.push(...headers);
        let wire: Buffer = payload;
        if (framing === 'content-length' || framing === 'both') lines.push(`Content-Length: ${payload.length}`);
        if (framing.startsWith('chunked') || framing === 'both') {
          lines.push('Transfer-Encoding: chunked');
          const style = framing === 'both' || framing === 'chunked' ? 'ok' : (framing.slice('chunked-'.length) as Parameters<typeof chunked>[1]);
          wire = chunked(payload, style);
        }
        if (framing === 'none') wire = Buffer.alloc(0);
        // A body cut short is a client going away: it closes its side, and may get no answer at all.
        const cutShort = framing === 'chunked-no-terminator';
        const res = await rawRequest(port, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), wire]), { halfClose: cutShort });
        seen.add(`${framing}:${res.status}`);
        if (res.status === 0) expect(cutShort).toBe(true);
        else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(reflectsProbe(res.text)).toBe(false);
        }
        expect(await stored()).toEqual(before);
      }),
      { numRuns: 150 },
    );
    seen.print();
  });

  it('then public pages requested with hostile paths and query strings never give a 5xx and reflect nothing', async () => {
    const segment = fc.oneof(
      fc.constantFrom(...targets.map((t) => t.code)),
      hostileValue.map(percentEncode),
      fc.constantFrom(...INJECTIONS).map(percentEncode),
      fc.constantFrom('%', '%zz', '%C3%28', '..', '%2e%2e%2f', '%00', 'a%2Fb', 'x.png', 'x.svg'),
    );
    const url = fc
      .tuple(
        fc.constantFrom('/s/', '/k/', '/qr/', '/', '/static/'),
        segment,
        fc.constantFrom('', '/thanks', '.png', '.svg', '/'),
        urlencodedBody(hostilePairs()),
      )
      .map(([prefix, seg, suffix, query]) => `${prefix}${seg}${suffix}?${query}`);
    const seen = tally('hostile GETs');
    await fc.assert(
      fc.asyncProperty(url, fc.constantFrom('text/html', 'application/json', '*/*'), async (path, accept) => {
        const res = await request(server.baseUrl).get(path).set('Accept', accept);
        seen.add(res.status);
        expect(res.status).toBeLessThan(500);
        expect(reflectsProbe(res.text ?? '')).toBe(false);
      }),
      { numRuns: 200 },
    );
    seen.print();
  });

  describe('and the token is valid but the answers are fuzzed', () => {
    // eslint-disable-next-line no-control-regex -- control characters are what the forms refuse
    const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
    interface Field {
      name: string;
      value: string | undefined;
    }
    type Generated = { fields: Field[]; extra: Field | undefined };

    /** Each field: a valid value or junk; undefined leaves the field out. Values are as the server will see them. */
    function answersFor(instrument: InstrumentDefinition): fc.Arbitrary<Generated> {
      const scores = Array.from({ length: instrument.scale }, (_, i) => String(i + 1));
      const score = fc.oneof(
        { weight: 40, arbitrary: fc.constantFrom(...scores) },
        { weight: 2, arbitrary: fc.constantFrom(undefined, '') },
        { weight: 1, arbitrary: fc.oneof(hostileValue, fc.constantFrom('0', '6', '4.5', ' 5', '5 ', '05', '+5', '1,2', '٥')) },
      );
      const fields: Array<fc.Arbitrary<Field>> = ratingQuestions(instrument).map((q) => score.map((value) => ({ name: q.key, value })));
      const optional = (name: string, valid: fc.Arbitrary<string>, weightJunk = 1) =>
        fc
          .oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: valid }, { weight: weightJunk, arbitrary: hostileValue })
          .map((value) => ({ name, value }));
      if (instrument.comment) {
        fields.push(
          optional(
            FIELD.comment,
            fc.oneof(
              fc.string({ unit: 'grapheme', maxLength: 200 }),
              fc.constantFrom(...INJECTIONS),
              fc.constant('  Trường rất sạch sẽ  '),
              fc.constant('ý'.repeat(2000)),
              fc.constant('x'.repeat(2001)),
            ),
          ),
        );
      }
      if (instrument.dossierCode === 'optional') {
        fields.push(
          optional(FIELD.dossierCode, fc.oneof(fc.stringMatching(/^[A-Za-z0-9./_-]{1,40}$/), fc.constantFrom('  HS-2026/001  ', 'hồ-sơ.01', '<b>', 'a b'))),
        );
      }
      if (instrument.contactAllowed) {
        fields.push(
          optional(FIELD.contactPhone, fc.oneof(fc.stringMatching(/^\+?[0-9 .()-]{8,20}$/), fc.constantFrom('0912 345 678', '  0912345678  ', '123'))),
        );
        fields.push(optional(FIELD.contactEmail, fc.oneof(fc.emailAddress(), fc.constantFrom('a@b.vn', 'not-an-email', 'a@b', ' a@b.vn '))));
        fields.push(optional(FIELD.contactConsent, fc.constantFrom('yes', 'no', 'YES', 'on')));
      }
      fields.push(optional(FIELD.honeypot, fc.constantFrom('', 'http://spam.example'), 1));
      const known = allowedFields(instrument);
      const extra = fc.oneof(
        { weight: 7, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              hostileKey.filter((k) => !known.has(asSent(k))),
              hostileValue,
            )
            .map(([name, value]) => ({ name, value })),
        },
      );
      return fc.record({ fields: fc.tuple(...fields), extra }).map(({ fields: list, extra: more }) => ({
        fields: list.map((f) => ({ name: f.name, value: f.value === undefined ? undefined : asSent(f.value) })),
        extra: more && { name: asSent(more.name), value: asSent(more.value) },
      }));
    }

    /** An independent statement of the submission rules: is this set of fields a valid submission? */
    function isValid(instrument: InstrumentDefinition, generated: Generated): boolean {
      if (generated.extra) return false;
      const value = new Map(generated.fields.map((f) => [f.name, f.value]));
      const scores = new Set(Array.from({ length: instrument.scale }, (_, i) => String(i + 1)));
      for (const q of ratingQuestions(instrument)) {
        const v = value.get(q.key);
        const required = q.key === instrument.overall.key;
        if (required ? !(v !== undefined && scores.has(v)) : !(v === undefined || v === '' || scores.has(v))) return false;
      }
      const comment = value.get(FIELD.comment);
      if (comment !== undefined && (comment.length > LIMITS.comment || CONTROL.test(comment))) return false;
      const dossier = value.get(FIELD.dossierCode)?.trim();
      if (dossier !== undefined && (dossier.length > LIMITS.dossierCode || !/^[\p{L}\p{N}./_-]*$/u.test(dossier))) return false;
      const phone = value.get(FIELD.contactPhone)?.trim();
      if (phone !== undefined && (phone.length > LIMITS.phone || !/^(\+?[0-9 .()-]{8,20})?$/.test(phone))) return false;
      const email = value.get(FIELD.contactEmail)?.trim();
      // Domain labels without dots (a pattern that cannot backtrack; issue 13): "a@b..vn" is refused.
      if (email !== undefined && (email.length > LIMITS.email || !/^([\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+)?$/u.test(email)))
        return false;
      const consent = value.get(FIELD.contactConsent);
      if (consent !== undefined && consent !== 'yes') return false;
      if ((phone || email) && consent !== 'yes') return false;
      if (consent === 'yes' && !phone && !email) return false;
      const honeypot = value.get(FIELD.honeypot);
      if (honeypot !== undefined && honeypot.length > 500) return false;
      return true;
    }

    it('then a valid submission is stored exactly once, and anything else stores nothing with a 4xx', async () => {
      const formTargets = ['edu-parent-thcs', 'tthc-sipas', 'edu-pupil-thpt', 'tthc-quick-0'].map((key) => targets.find((t) => t.key === key)!);
      const case_ = fc.constantFrom(...formTargets).chain((target) => fc.record({ target: fc.constant(target), generated: answersFor(target.instrument) }));
      let accepted = 0;
      let refused = 0;
      const seen = tally('valid token, fuzzed answers');
      await fc.assert(
        fc.asyncProperty(case_, async ({ target, generated }) => {
          const token = tokenFrom((await request(server.baseUrl).get(target.path).expect(200)).text);
          const pairs = [['_token', token], ...generated.fields.filter((f) => f.value !== undefined).map((f) => [f.name, f.value!])];
          if (generated.extra) pairs.push([generated.extra.name, generated.extra.value!]);
          const body = pairs.map(([k, v]) => `${percentEncode(k!)}=${percentEncode(v!)}`).join('&');
          const valid = isValid(target.instrument, generated);
          const consent = generated.fields.find((f) => f.name === FIELD.contactConsent)?.value === 'yes';
          const hasDossier = Boolean(generated.fields.find((f) => f.name === FIELD.dossierCode)?.value?.trim());

          const before = await stored();
          const res = await request(server.baseUrl).post(target.path).type('form').send(body);
          const after = await stored();
          seen.add(`${valid ? 'valid' : 'invalid'}:${res.status}`);
          expect(res.status).toBeLessThan(500);
          expect(reflectsProbe(res.text)).toBe(false);

          if (Buffer.byteLength(body) > FORM_LIMIT) {
            expect(res.status).toBe(413);
          } else if (valid) {
            // A dossier code an earlier run already used is no exception: stored flagged, same thank-you page.
            expect(res.status).toBe(303);
          } else if (!valid) {
            expect(res.status).toBe(422);
          }
          if (res.status === 303) {
            accepted++;
            const id = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'))[0] as string;
            const doc = await fx.models.Response.findById(id).lean();
            // Only an unflagged answer claims its dossier code; a code already claimed flags the answer instead.
            const claims = hasDossier && doc?.flags.length === 0 ? 1 : 0;
            expect(after).toEqual({ responses: before.responses + 1, contacts: before.contacts + (consent ? 1 : 0), claims: before.claims + claims });
            if (doc?.flags.includes('dossier_reused')) expect(hasDossier).toBe(true);
            expect(doc?.linkCode).toBe(target.code);
            const overall = generated.fields.find((f) => f.name === target.instrument.overall.key)?.value;
            expect(doc?.overall).toBe(Number(overall));
            for (const [key, answer] of Object.entries(doc?.answers ?? {})) {
              expect(generated.fields.find((f) => f.name === key)?.value).toBe(String(answer));
            }
          } else {
            refused++;
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(after).toEqual(before);
          }
        }),
        { numRuns: 150 },
      );
      seen.print();
      // The generator must exercise both sides of the rule, or the property proves little.
      expect(accepted).toBeGreaterThan(10);
      expect(refused).toBeGreaterThan(10);
    }, 60_000);
  });

  describe('and afterwards', () => {
    it('then the process is still up and answering', async () => {
      await request(server.baseUrl).get('/healthz').expect(200);
      await request(server.baseUrl).get(targets[0]!.path).expect(200);
    });
  });
});
