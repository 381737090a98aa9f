import fs from 'node:fs';
import path from 'node:path';

/**
 * Issue #26's limits on the code itself, read from src/: type escapes are few and each says why, and no route
 * factory grows past what reads on one screen.
 */
const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

const ESCAPE = /\bas unknown as\b|\bas never\b/;

/** Each `as unknown as` / `as never`, with whether a comment naming it a type escape stands on its line or the 4 above. */
export function typeEscapes(files: ReadonlyArray<{ name: string; text: string }>): Array<{ at: string; explained: boolean }> {
  return files.flatMap(({ name, text }) => {
    const lines = text.split('\n');
    return lines.flatMap((line, i) =>
      ESCAPE.test(line) ? [{ at: `${name}:${i + 1}`, explained: lines.slice(Math.max(0, i - 4), i + 1).some((l) => /type escape/i.test(l)) }] : [],
    );
  });
}

/** The length in lines of each top-level function of a file (from its `function` line to the `}` closing it at column 0). */
export function functionLengths(name: string, text: string): Array<{ fn: string; lines: number }> {
  const lines = text.split('\n');
  const out: Array<{ fn: string; lines: number }> = [];
  lines.forEach((line, i) => {
    const match = /^(?:export )?(?:async )?function\*? (\w+)/.exec(line);
    if (!match) return;
    let end = i;
    while (end < lines.length && lines[end] !== '}') end += 1;
    out.push({ fn: `${name}:${match[1]!}`, lines: end - i + 1 });
  });
  return out;
}

const read = (file: string) => ({ name: path.relative(SRC, file), text: fs.readFileSync(file, 'utf8') });

describe('the code of src/', () => {
  it('when type escapes are counted, then there are at most 10 and each has a comment saying why', () => {
    const escapes = typeEscapes(sourceFiles(SRC).map(read));
    expect(escapes.length).toBeGreaterThan(0); // the count reads what it counts (a few remain at library boundaries)
    expect(escapes.length).toBeLessThanOrEqual(10);
    expect(escapes.filter((e) => !e.explained).map((e) => e.at)).toEqual([]);
  });

  it('when the route factories (*.routes.ts) are measured, then none is over 60 lines', () => {
    const lengths = sourceFiles(SRC)
      .filter((file) => file.endsWith('.routes.ts'))
      .map(read)
      .flatMap(({ name, text }) => functionLengths(name, text));
    expect(lengths.length).toBeGreaterThan(20);
    expect(lengths.filter((l) => l.lines > 60)).toEqual([]);
  });

  it('when an unexplained escape or a long function is made up, then the checks find it', () => {
    const made = [
      { name: 'a.ts', text: 'const x = y as unknown as Z;\n' },
      { name: 'b.ts', text: '// Type escape: the library leaves it out.\nconst x = y as never;\n' },
    ];
    expect(typeEscapes(made)).toEqual([
      { at: 'a.ts:1', explained: false },
      { at: 'b.ts:2', explained: true },
    ]);
    const long = ['export function big() {', ...Array.from({ length: 70 }, () => '  x();'), '}'].join('\n');
    expect(functionLengths('c.routes.ts', long)).toEqual([{ fn: 'c.routes.ts:big', lines: 72 }]);
  });
});
