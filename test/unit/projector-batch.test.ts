import { batchOf, type WorkItem } from '../../src/projector/inbox';

const at = new Date(0);
const answer = (n: number): WorkItem => ({ _id: `a${n}`, kind: 'answer', responseId: `r${n}`, at });
const move = (n: number, answers: number): WorkItem => ({
  _id: `m${n}`,
  kind: 'move',
  responseIds: Array.from({ length: answers }, (_, i) => `r${n}-${i}`),
  to: { ancestors: ['SGD'] },
  at,
});

/** A batch is bounded by the answers its items touch (B7: 500 moves of 200 answers held 100,000 answers at once). */
describe('batchOf', () => {
  it('when the items are answers, then a batch takes up to size of them, as before', () => {
    const items = Array.from({ length: 8 }, (_, i) => answer(i));
    expect(batchOf(items, 5).map((i) => i._id)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(batchOf(items, 500)).toHaveLength(8);
  });

  it('when items name many answers, then the batch stops before it would touch more than size', () => {
    const items = [move(1, 200), move(2, 200), move(3, 200), answer(4)];
    expect(batchOf(items, 500).map((i) => i._id)).toEqual(['m1', 'm2']);
    expect(batchOf([answer(0), move(1, 200), answer(2)], 201).map((i) => i._id)).toEqual(['a0', 'm1']);
  });

  it('when the first item alone names more than size, then the batch is that item (it always moves on)', () => {
    expect(batchOf([move(1, 400), answer(2)], 100).map((i) => i._id)).toEqual(['m1']);
    expect(batchOf([], 100)).toEqual([]);
  });
});
