import { Schema } from 'mongoose';
import request from 'supertest';
import { toAppError } from '../../src/errors';
import { runOnce, settingModel } from '../../src/settings.model';
import { createTestContext, type TestContext } from '../helpers/test-app';

describe('database over the wire', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('when a document is written through mongoose, then it reads back from the server', async () => {
    const Note = ctx.db.connection.model('Note', new Schema({ code: { type: String, unique: true }, count: Number }));
    await Note.init();
    await Note.create({ code: 'abc', count: 1 });
    await Note.updateOne({ code: 'abc' }, { $inc: { count: 2 } });
    const found = await Note.findOne({ code: 'abc' }).lean();
    expect(found?.count).toBe(3);
    await expect(Note.create({ code: 'abc', count: 9 })).rejects.toThrow(/duplicate key/i);
  });

  it('when a filter value is an operator object from user input, then it is never run as an operator', async () => {
    const Item = ctx.db.connection.model('Item', new Schema({ code: String, extra: Schema.Types.Mixed }));
    await Item.create({ code: 'secret', extra: 'x' });
    const userInput: unknown = { $ne: 'nothing' };
    // A typed path refuses the object outright (answered as 400 by the error pipeline)...
    const error = await Item.find({ code: userInput as string })
      .lean()
      .catch((e: unknown) => e);
    expect(toAppError(error).status).toBe(400);
    // ...and an untyped path matches it literally (sanitizeFilter wraps it in $eq), so nothing leaks.
    expect(await Item.find({ extra: userInput }).lean()).toHaveLength(0);
  });

  it('when the database answers, then /readyz is 200 and /healthz is 200', async () => {
    await request(ctx.app).get('/readyz').expect(200, { status: 'ready' });
    await request(ctx.app).get('/healthz').expect(200, { status: 'ok' });
  });

  it('when a start-up migration has finished once, then later starts skip it, and a failed one runs again', async () => {
    const Setting = settingModel(ctx.db.connection);
    let runs = 0;
    await expect(
      runOnce(Setting, 'probe', () => {
        runs += 1;
        return Promise.reject(new Error('cut off'));
      }),
    ).rejects.toThrow('cut off');
    expect(
      await runOnce(Setting, 'probe', () => {
        runs += 1;
        return Promise.resolve();
      }),
    ).toBe(true);
    expect(
      await runOnce(Setting, 'probe', () => {
        runs += 1;
        return Promise.resolve();
      }),
    ).toBe(false);
    expect(runs).toBe(2);
  });
});
