import { inParallel } from '../../src/in-parallel';

describe('running a batch a few at a time', () => {
  it('when items take time, then every item runs once and never more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 * (item % 3)));
      done.push(item);
      running -= 1;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('when there are no items, then it returns at once', async () => {
    const work = jest.fn();
    await inParallel([], 4, work);
    expect(work).not.toHaveBeenCalled();
  });
});
