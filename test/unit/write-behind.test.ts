import { WriteBehind } from '../../src/rollups/write-behind';

describe('figure writes finished behind the request', () => {
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  it('when work is started under the limit, then the caller goes on at once and settled waits for the work', async () => {
    const behind = new WriteBehind(2);
    const g = gate();
    let done = false;
    await behind.run(async () => {
      await g.opened;
      done = true;
    });
    expect(done).toBe(false);
    expect(behind.size).toBe(1);
    const settled = behind.settled();
    g.open();
    await settled;
    expect(done).toBe(true);
    expect(behind.size).toBe(0);
  });

  it('when the limit is reached, then the next caller waits for its own work (backpressure), and the queue never grows past it', async () => {
    const behind = new WriteBehind(2);
    const gates = [gate(), gate(), gate()];
    await behind.run(() => gates[0]!.opened);
    await behind.run(() => gates[1]!.opened);
    let third = false;
    const waiting = behind.run(() => gates[2]!.opened).then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    expect(behind.size).toBe(2);
    gates[2]!.open();
    await waiting;
    expect(third).toBe(true);
    gates[0]!.open();
    gates[1]!.open();
    await behind.settled();
    expect(behind.size).toBe(0);
  });

  it('when work behind fails, then nobody gets an unhandled rejection and settled still resolves (the change mark is left to the repair)', async () => {
    const behind = new WriteBehind(2);
    await behind.run(async () => {
      throw new Error('database gone');
    });
    await expect(behind.settled()).resolves.toBeUndefined();
  });

  it('when the caller waits under backpressure and its work fails, then the caller goes on too (the answer is stored; the repair finishes its figures)', async () => {
    const behind = new WriteBehind(0);
    let tried = false;
    await expect(
      behind.run(async () => {
        tried = true;
        throw new Error('database gone');
      }),
    ).resolves.toBeUndefined();
    expect(tried).toBe(true);
  });
});
