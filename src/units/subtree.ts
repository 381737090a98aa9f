/** Whether a unit (its code and its ancestors' codes) is `root` or below it: the one subtree test of scopes. */
export function inSubtree(root: string, unit: { code: string; ancestors?: readonly string[] }): boolean {
  return unit.code === root || (unit.ancestors ?? []).includes(root);
}

/** The same for a stored answer, which carries its unit's code and ancestors as they were when it was given. */
export const answerInSubtree = (root: string, answer: { unitCode: string; unitAncestors?: readonly string[] }): boolean =>
  inSubtree(root, { code: answer.unitCode, ancestors: answer.unitAncestors });
