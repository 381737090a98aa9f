import fs from 'node:fs';
import path from 'node:path';
import { jsonForScript } from '../../src/stats/format';

/**
 * Static checks on how pages are rendered:
 * - no `render(` call in src/ hands the request (or its body, query, headers, cookies, session) or `res.locals`
 *   wholesale to a template, where every field an attacker sends would become a template variable;
 * - templates print unescaped (`<%-`) only the expressions listed below, each known to be safe. A new `<%-` fails
 *   here until it is escaped (`<%=`) or added to the list with the reason it is safe.
 */
const ROOT = path.resolve(__dirname, '..', '..');

function filesUnder(dir: string, extension: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, extension);
    return entry.name.endsWith(extension) ? [full] : [];
  });
}

const relative = (file: string) => path.relative(ROOT, file);

/** Blanks out comments and string/template literals (keeping offsets), so the scanners only see code. */
function codeOnly(source: string): string {
  return source.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** The text between the parentheses of each `.render(` call (balanced, across lines). */
function renderCalls(source: string): Array<{ line: number; args: string }> {
  const code = codeOnly(source);
  const calls: Array<{ line: number; args: string }> = [];
  for (const match of code.matchAll(/\.render\s*\(/g)) {
    const start = match.index + match[0].length;
    let depth = 1;
    let i = start;
    for (; i < code.length && depth > 0; i++) {
      if (code[i] === '(') depth++;
      else if (code[i] === ')') depth--;
    }
    calls.push({ line: code.slice(0, match.index).split('\n').length, args: code.slice(start, i - 1) });
  }
  return calls;
}

const WHOLESALE =
  /^(?:\.\.\.\s*)?(req|request|res\.locals|(?:req|request)\.(?:body|query|headers|params|cookies|signedCookies|session))!?(?![\w$]|\s*(?:\.|\?\.|\[|\())/;

/**
 * Places in a render call's arguments where one of the request objects is passed as a whole: as an argument, a
 * property value, a shorthand property or a spread, at the top level or inside object/array literals. Inside a
 * function call's own parentheses (`common(req)`) the helper decides what to pass, so that is not flagged.
 */
function wholesaleRequestObjects(args: string): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  let previous = '';
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (/\s/.test(c)) continue;
    const insideCall = stack.length > 0 && stack[stack.length - 1] === '(';
    if (!insideCall && (previous === '' || previous === ',' || previous === '{' || previous === ':' || previous === '[' || previous === '?')) {
      const match = WHOLESALE.exec(args.slice(i));
      if (match) found.push(match[0]);
    }
    if (c === '(' || c === '{' || c === '[') stack.push(c);
    else if (c === ')' || c === '}' || c === ']') stack.pop();
    // `previous` is the last punctuation seen; identifiers and dots reset it so `x.req` never counts.
    previous = /[,{:[(?]/.test(c) ? c : c === '.' && args.slice(i, i + 3) === '...' ? previous : 'x';
    if (c === '.' && args.slice(i, i + 3) === '...') i += 2;
  }
  return found;
}

describe('when the source renders templates', () => {
  const sources = filesUnder(path.join(ROOT, 'src'), '.ts').map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));

  it('then the checker itself flags wholesale request objects and accepts picked values', () => {
    for (const bad of [
      "'x', req",
      "'x', request",
      "'x', req.query",
      "'x', req.body!",
      "'x', res.locals",
      "'x', { ...req.body }",
      "'x', { ...req.query, page: 1 }",
      "'x', { q: req.query }",
      "'x', { headers: req.headers, a: 1 }",
      "'x', { req }",
      "'x', { a: 1, request, b: 2 }",
      "'x', { nested: { cookies: req.cookies } }",
      "'x', { list: [req.params] }",
      "'x', { s: cond ? req.session : null }",
    ]) {
      expect({ bad, found: wholesaleRequestObjects(codeOnly(bad)).length > 0 }).toEqual({ bad, found: true });
    }
    for (const good of [
      "'x', { ...common(req), versions }",
      "'x', { user: req.principal!.label, csrf: csrfToken(req) }",
      "'x', { next: typeof req.query.next === 'string' ? req.query.next : '' }",
      "'x', { sent: req.query.sent === '1', requests: 3 }",
      "'x', { q: req.query?.q, h: req.headers['accept'] }",
      "'x', { again: `${prefix}/${req.params.code}` }",
      "'x', { f: formatters(res.locals.lang as Lang) }",
    ]) {
      expect({ good, found: wholesaleRequestObjects(codeOnly(good)) }).toEqual({ good, found: [] });
    }
  });

  it('then no render call passes the request, its body, query, headers or res.locals wholesale', () => {
    const calls = sources.flatMap(({ file, text }) => renderCalls(text).map((call) => ({ where: `${relative(file)}:${call.line}`, args: call.args })));
    // The scanner must actually see the app's render calls, or this test proves nothing.
    expect(calls.length).toBeGreaterThanOrEqual(15);
    const offenders = calls.map(({ where, args }) => ({ where, passes: wholesaleRequestObjects(args) })).filter((c) => c.passes.length > 0);
    expect(offenders).toEqual([]);
  });

  it('then no template engine option turns escaping off or lets the request choose the view', () => {
    for (const { file, text } of sources) {
      const code = codeOnly(text);
      expect({ file: relative(file), escapeOverride: /\bescape(Function)?\s*:/.test(code) }).toEqual({ file: relative(file), escapeOverride: false });
      // The view name is always a literal or one of our own constants, never taken from the request.
      for (const call of renderCalls(text)) {
        expect({ file: relative(file), call: call.args.slice(0, 80), viewFromRequest: /^\s*(req|request)\b/.test(call.args) }).toEqual({
          file: relative(file),
          call: call.args.slice(0, 80),
          viewFromRequest: false,
        });
      }
    }
  });
});

/**
 * Every unescaped output the templates may contain, with why it is safe. Patterns match the trimmed expression.
 */
const ALLOWED_UNESCAPED: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /^include\(\s*'[^']+'\s*(,[\s\S]*)?\)$/, why: 'a partial named by a literal path; the partial escapes its own output' },
  { pattern: /^chartJson$/, why: 'jsonForScript(): JSON with every "<" escaped, inside a <script type="application/json"> block' },
  { pattern: /^p\.qr$/, why: 'SVG markup generated by the qrcode library from our own link URL' },
  {
    pattern: /^page\.trends\[kind\]$/,
    why: 'trendSvg(): SVG of rounded numbers and our own month labels, its one text (the label) escaped (src/public/trend-svg.ts)',
  },
  { pattern: /^field\(/, why: 'survey.ejs helper that escapes the value (&, ", <) and whose labels come from i18n and question keys' },
  { pattern: /^extra$/, why: "filters.ejs slot: the output of include('comment-filters'), a partial that prints every value escaped (checked below)" },
];

describe('when templates print values', () => {
  const templates = filesUnder(path.join(ROOT, 'views'), '.ejs').map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));

  it('then the views are found', () => {
    expect(templates.length).toBeGreaterThanOrEqual(15);
  });

  it('then every unescaped output (<%-) is one of the known-safe expressions', () => {
    const unknown: Array<{ where: string; expression: string }> = [];
    let seen = 0;
    for (const { file, text } of templates) {
      for (const match of text.matchAll(/<%-([\s\S]*?)[-_]?%>/g)) {
        seen++;
        const expression = match[1]!.trim();
        if (!ALLOWED_UNESCAPED.some((allowed) => allowed.pattern.test(expression))) {
          unknown.push({ where: `${relative(file)}:${text.slice(0, match.index).split('\n').length}`, expression });
        }
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
  });

  it('then no template includes a partial whose name is computed at render time', () => {
    for (const { file, text } of templates) {
      for (const match of text.matchAll(/\binclude\(\s*([^,)]+)/g)) {
        expect({ file: relative(file), target: match[1]!.trim() }).toEqual({ file: relative(file), target: expect.stringMatching(/^'[^']+'$/) });
      }
    }
  });

  it('then the JSON printed unescaped into a script block cannot close the block', () => {
    const hostile = { label: '</script><script>alert(1)</script>', comment: '<!-- x -->', nested: ['<img src=x onerror=1>'] };
    const printed = jsonForScript(hostile);
    expect(printed).not.toContain('<');
    expect(JSON.parse(printed)).toEqual(hostile);
  });

  it('then the comment filters are rendered by a partial that escapes every value, not built as an HTML string', () => {
    const text = (name: string) => templates.find(({ file }) => file.endsWith(path.join('admin', name)))!.text;
    // A CI fuzz run found the hand-built version reflecting a quote (it stripped only &"<>).
    expect(text('comments.ejs')).not.toMatch(/'<(label|input|select|option)\b/);
    expect(text('comments.ejs')).toContain("include('comment-filters'");
    expect(text('comment-filters.ejs')).not.toContain('<%-');
    expect(text('comment-filters.ejs')).toMatch(/value="<%= filter\.q %>"/);
  });
});
