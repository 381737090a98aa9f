import fs from 'node:fs';
import path from 'node:path';

/**
 * Issue #26: the folders of `src/` show the architecture only while no two of them import each other and no
 * module imports itself round a circle. Type-only imports count too: they tie the folders together all the same.
 * Files at the top of `src/` (app.ts, models.ts, config.ts …) compose or serve the folders and are not folders
 * themselves; a circle through one of them is still caught by the file check.
 */
const SRC = path.resolve(__dirname, '../../src');
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?'(\.{1,2}\/[^']+)'|\b(?:import|require)\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every file's relative imports, resolved to files under src/. */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = fs.readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(IMPORT)) {
      const base = path.resolve(path.dirname(file), match[1] ?? match[2]!);
      const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => candidate.endsWith('.ts') && fs.existsSync(candidate));
      if (found) targets.push(path.relative(root, found));
    }
    graph.set(path.relative(root, file), targets);
  }
  return graph;
}

const folderOf = (file: string) => (file.includes(path.sep) ? file.split(path.sep)[0]! : null);

export function foldersImportingEachOther(graph: Map<string, string[]>): string[] {
  const edges = new Set<string>();
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from && to && from !== to) edges.add(`${from} -> ${to}`);
    }
  }
  return [...edges]
    .filter((edge) => {
      const [from, to] = edge.split(' -> ') as [string, string];
      return from < to && edges.has(`${to} -> ${from}`);
    })
    .map((edge) => edge.replace(' -> ', ' <-> '));
}

/** The strongly connected groups of more than one file (Tarjan). */
export function fileCircles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) === index.get(file)) {
      const circle: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        circle.push(member);
      } while (member !== file);
      if (circle.length > 1 || (graph.get(file) ?? []).includes(file)) circles.push(circle.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles;
}

/**
 * Every file reached from `from` by following imports (type-only ones too), `from` included; not through the files
 * at the top of src/ (`through` false for them), which compose every folder: models.ts names every feature's model.
 */
export function reachedFrom(graph: Map<string, string[]>, from: readonly string[], through: (file: string) => boolean = () => true): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (through(file)) stack.push(...(graph.get(file) ?? []));
  }
  return seen;
}

/**
 * Folders that import each other round a circle of any length (a -> b -> c -> a): the groups of folders each of
 * which reaches every other (strongly connected, Tarjan's algorithm), members sorted.
 */
export function folderCircles(graph: Map<string, string[]>): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (!from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    for (const target of targets) {
      const to = folderOf(target);
      if (to && to !== from) edges.get(from)!.add(to);
    }
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const circles: string[][] = [];
  const visit = (folder: string) => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder)!);
    stack.push(folder);
    for (const next of edges.get(folder) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(folder, Math.min(low.get(folder)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(folder, Math.min(low.get(folder)!, index.get(next)!));
    }
    if (low.get(folder) !== index.get(folder)) return;
    const group: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = member === folder ? undefined : stack.pop()) group.push(member);
    if (group.length > 1) circles.push(group.sort());
  };
  for (const folder of edges.keys()) if (!index.has(folder)) visit(folder);
  return circles;
}

describe('the folders of src/', () => {
  const graph = importGraph(SRC);

  it('when the imports are read, then every folder and most files are found (the check reads what it checks)', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get(path.join('projector', 'projector.ts'))).toEqual(expect.arrayContaining([path.join('projector', 'plan-batch.ts')]));
    expect(graph.get('app.ts')!.length).toBeGreaterThan(20);
  });

  it('when any two folders are compared, then no two import each other, type-only imports included', () => {
    expect(foldersImportingEachOther(graph)).toEqual([]);
  });

  it('when the imports are followed, then no file comes back to itself', () => {
    expect(fileCircles(graph)).toEqual([]);
  });

  it('when the folders are followed through their imports, then none comes back round to itself, however long the way', () => {
    expect(folderCircles(graph)).toEqual([]);
  });

  it("when the answer's write path is followed (src/answers/, the form's submission), then it reaches no list and no case, type-only imports included", () => {
    const writePath = [...graph.keys()].filter((file) => folderOf(file) === 'answers' || file === path.join('forms', 'form-submission.ts'));
    expect(writePath.length).toBeGreaterThan(3);
    const reached = [...reachedFrom(graph, writePath, (file) => folderOf(file) !== null)].filter((file) => ['review', 'cases'].includes(folderOf(file) ?? ''));
    expect(reached).toEqual([]);
  });

  it('when a page (a *.routes.ts module) is imported, then by app.ts or its own folder only: no feature imports a page', () => {
    const outside = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => target.endsWith('.routes.ts') && file !== 'app.ts' && folderOf(file) !== folderOf(target))
        .map((target) => `${file} -> ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('when a folder of src/ is opened, then its README.md says what it owns and names every folder it imports', () => {
    const folders = fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const undeclared: string[] = [];
    for (const folder of folders) {
      const readme = path.join(SRC, folder, 'README.md');
      if (!fs.existsSync(readme)) {
        undeclared.push(`${folder}: no README.md`);
        continue;
      }
      const declared = /\*\*May import:\*\*([^\n]*)/.exec(fs.readFileSync(readme, 'utf8'))?.[1] ?? '';
      const imported = new Set(
        [...graph]
          .filter(([file]) => folderOf(file) === folder)
          .flatMap(([, targets]) => targets.map(folderOf))
          .filter((f): f is string => f !== null && f !== folder),
      );
      for (const target of imported) if (!new RegExp(`\\b${target}\\b`).test(declared)) undeclared.push(`${folder} imports ${target}`);
    }
    expect(undeclared).toEqual([]);
  });

  it('when a folder pair or a circle is made up, then the checks find it', () => {
    const madeUp = new Map([
      [path.join('a', 'x.ts'), [path.join('b', 'y.ts')]],
      [path.join('b', 'y.ts'), [path.join('a', 'z.ts')]],
      [path.join('a', 'z.ts'), [path.join('a', 'x.ts')]],
    ]);
    expect(foldersImportingEachOther(madeUp)).toEqual(['a <-> b']);
    expect(folderCircles(madeUp)).toEqual([['a', 'b']]);
    const threeWay = new Map([
      [path.join('a', 'x.ts'), [path.join('b', 'y.ts')]],
      [path.join('b', 'y.ts'), [path.join('c', 'z.ts')]],
      [path.join('c', 'z.ts'), [path.join('a', 'w.ts')]],
      [path.join('a', 'w.ts'), []],
    ]);
    expect(foldersImportingEachOther(threeWay)).toEqual([]);
    expect(folderCircles(threeWay)).toEqual([['a', 'b', 'c']]);
    expect([...reachedFrom(threeWay, [path.join('b', 'y.ts')])].sort()).toEqual([path.join('a', 'w.ts'), path.join('b', 'y.ts'), path.join('c', 'z.ts')]);
    expect([...reachedFrom(threeWay, [path.join('b', 'y.ts')], (file) => !file.startsWith('c'))].sort()).toEqual([
      path.join('b', 'y.ts'),
      path.join('c', 'z.ts'),
    ]);
    expect(fileCircles(madeUp)).toEqual([[path.join('a', 'x.ts'), path.join('a', 'z.ts'), path.join('b', 'y.ts')]]);
  });
});
