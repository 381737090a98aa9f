import type { Link } from '../../src/links/link.model';
import type { LinkViewModel } from '../../src/responses/side-records.model';
import { ViewCounter } from '../../src/forms/view-counter';

/**
 * Only the link views' updateOne is used by the counter (reached as the driver's collection of the model's connection,
 * data/by-id.ts): a stand-in records the writes (unit test, no database).
 */
function recordingModel() {
  const writes: { filter: unknown; update: { $inc: { views: number } } }[] = [];
  const collection = {
    collectionName: 'link_views',
    updateOne: (filter: unknown, update: { $inc: { views: number } }) => {
      writes.push({ filter, update });
      return Promise.resolve();
    },
  };
  const model = { collection, db: { collection: () => collection } };
  return { model: model as unknown as LinkViewModel, writes };
}

const link = { code: 'abc123xyz9', unitCode: 'THCS-A' } as Link;
const now = new Date('2026-11-20T03:00:00Z');

describe('the form view counter', () => {
  it('when views arrive, then nothing is written until a link gathers 5,000, which are then written as one increment', async () => {
    const { model, writes } = recordingModel();
    const counter = new ViewCounter(model);
    for (let i = 0; i < 4999; i++) counter.record(link, now);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(0);
    counter.record(link, now);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([{ filter: { _id: 'abc123xyz9|2026-11' }, update: expect.objectContaining({ $inc: { views: 5000 } }) }]);
  });

  it('when the counts are flushed (timer or shutdown), then the rest is written once per link and month', async () => {
    const { model, writes } = recordingModel();
    const counter = new ViewCounter(model);
    for (let i = 0; i < 7; i++) counter.record(link, now);
    counter.record({ ...link, code: 'other00001' }, now);
    await counter.flush();
    expect(writes.map((w) => [w.filter, w.update.$inc.views])).toEqual([
      [{ _id: 'abc123xyz9|2026-11' }, 7],
      [{ _id: 'other00001|2026-11' }, 1],
    ]);
    await counter.flush();
    expect(writes).toHaveLength(2);
  });
});
