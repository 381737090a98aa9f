import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import stream, { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/** Small stream buffers: a merge reads up to FAN_IN runs at once (responses-by-day.ts). */
const BUFFER = 16 * 1024;

/**
 * Sorted runs of an external sort, spilled to a private temporary folder: text lines (no line breaks inside),
 * gzipped (a year of answers is hundreds of megabytes as text) and encrypted with a key that exists only in this
 * process's memory, so the raw answers and comments left on disk by a crash are unreadable. The folder goes when
 * the export ends, however it ends.
 */
export class SpillFolder {
  private readonly key = crypto.randomBytes(32);
  private count = 0;

  private constructor(readonly dir: string) {}

  static async open(parent = os.tmpdir()): Promise<SpillFolder> {
    const dir = await fs.promises.mkdtemp(path.join(parent, 'hailong-export-'));
    await fs.promises.chmod(dir, 0o700);
    return new SpillFolder(dir);
  }

  /** Writes `lines` (already in order) as one run; returns its file. */
  async write(lines: Iterable<string> | AsyncIterable<string>): Promise<string> {
    const file = path.join(this.dir, `run-${this.count++}`);
    const iv = crypto.randomBytes(16);
    await fs.promises.writeFile(file, iv, { mode: 0o600 });
    const text = Readable.from(
      (async function* () {
        for await (const line of lines) yield `${line}\n`;
      })(),
    );
    await pipeline(text, zlib.createGzip({ level: 1 }), crypto.createCipheriv('aes-256-ctr', this.key, iv), fs.createWriteStream(file, { flags: 'a' }));
    return file;
  }

  /** Reads a run back, one line at a time (memory: the small stream buffers of one file). */
  async *read(file: string): AsyncGenerator<string> {
    const handle = await fs.promises.open(file, 'r');
    const iv = Buffer.alloc(16);
    await handle.read(iv, 0, 16, 0);
    await handle.close();
    const source = zlib.createGunzip({ chunkSize: BUFFER });
    // The callback form: an error in any stage destroys them all, so the loop below throws instead of waiting.
    stream.pipeline(
      fs.createReadStream(file, { start: 16, highWaterMark: BUFFER }),
      crypto.createDecipheriv('aes-256-ctr', this.key, iv),
      source,
      () => undefined,
    );
    // Decoded by the stream, so a Vietnamese letter cut between two chunks is joined again.
    source.setEncoding('utf8');
    let rest = '';
    try {
      for await (const chunk of source as AsyncIterable<string>) {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const line of lines) yield line;
      }
      if (rest) yield rest;
    } finally {
      source.destroy();
    }
  }

  async remove(file: string): Promise<void> {
    await fs.promises.rm(file, { force: true });
  }

  async close(): Promise<void> {
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}
