import { monthAtoms as atomsWith, treeOf } from '../../src/stats/disclosure';
import type { Unit } from '../../src/units/unit.model';

/**
 * The atoms of one month (src/stats/disclosure.ts), worked by hand with k = 5:
 *
 *   R ─ P ─ a (20), b (3), c (1)
 *     │   └ Q ─ d (2)
 *     ├ e (2)
 *     └ f (8)
 */
const unit = (code: string, chain: string[]): Unit => ({ code, name: code, type: 'school', parentCode: chain.at(-1), ancestors: chain });
const monthAtoms = (own: Map<string, number>, root: string, directory: Map<string, Unit>, k: number) => atomsWith(own, treeOf(directory, root), k);
const units = new Map<string, Unit>(
  [
    { code: 'R', name: 'R', type: 'department', ancestors: [] } as Unit,
    unit('P', ['R']),
    unit('Q', ['R', 'P']),
    unit('a', ['R', 'P']),
    unit('b', ['R', 'P']),
    unit('c', ['R', 'P']),
    unit('d', ['R', 'P', 'Q']),
    unit('e', ['R']),
    unit('f', ['R']),
  ].map((u) => [u.code, u]),
);

describe('the atoms of a month', () => {
  it('when small units pass their answers up, then the first residue of k or more holds them, and the root lifts its own with the nearest, smallest atom', () => {
    const { atomOf, unpublished, residue } = monthAtoms(
      new Map([
        ['a', 20],
        ['b', 3],
        ['c', 1],
        ['d', 2],
        ['e', 2],
        ['f', 8],
      ]),
      'R',
      units,
      5,
    );
    // d (2) -> Q (2, below k) -> P, with b (3) and c (1): P holds 6.
    expect(residue.get('P')).toBe(6);
    // e (2) reaches the root alone; of the atoms nearest the root (P 6, f 8) it takes the smaller, P's: 8 in all.
    expect(residue.get('R')).toBe(8);
    expect(['b', 'c', 'd', 'e'].map((u) => atomOf.get(u))).toEqual(['R', 'R', 'R', 'R']);
    expect([atomOf.get('a'), atomOf.get('f')]).toEqual(['a', 'f']);
    expect([...unpublished].sort()).toEqual(['P', 'Q', 'b', 'c', 'd', 'e']);
  });

  it('when the root has nothing small, then it lends nothing and everything with k or more is published', () => {
    const { unpublished, atomOf } = monthAtoms(
      new Map([
        ['a', 20],
        ['f', 8],
      ]),
      'R',
      units,
      5,
    );
    expect([...unpublished]).toEqual([]);
    expect([atomOf.get('a'), atomOf.get('f')]).toEqual(['a', 'f']);
  });

  it('when the root must take in an atom held deep in the tree, then every unit between it and the root is not published', () => {
    // e (2) at the root; the only atom is a's (20), two levels down.
    const { unpublished, atomOf } = monthAtoms(
      new Map([
        ['a', 20],
        ['e', 2],
      ]),
      'R',
      units,
      5,
    );
    expect(atomOf.get('a')).toBe('R');
    expect([...unpublished].sort()).toEqual(['P', 'a', 'e']);
  });

  it('when nothing can lift the root to k, then nothing with those answers is published, not even the root', () => {
    const { unpublished, atomOf } = monthAtoms(
      new Map([
        ['e', 2],
        ['d', 1],
      ]),
      'R',
      units,
      5,
    );
    expect(atomOf.get('e')).toBeNull();
    expect([...unpublished].sort()).toEqual(['P', 'Q', 'R', 'd', 'e']);
  });

  it('when a unit is not in the directory, then its answers are the root’s own', () => {
    const { atomOf } = monthAtoms(
      new Map([
        ['zz', 3],
        ['f', 8],
      ]),
      'R',
      units,
      5,
    );
    expect(atomOf.get('zz')).toBe('R');
  });
});
