import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/**
 * The backup file: a gzipped tar (POSIX ustar) of regular files, so that an operator can list or unpack it with
 * `tar -tzf` / `tar -xzf` anywhere. Only what backups need: flat names under 100 bytes, regular files, streamed
 * both ways (a database file never sits in memory).
 */
const BLOCK = 512;

function header(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 99 || name.includes('..') || path.isAbsolute(name)) throw new Error(`not a backup entry name: ${name}`);
  const block = Buffer.alloc(BLOCK);
  const field = (value: string, offset: number, length: number) => block.write(value, offset, length, 'ascii');
  const octal = (value: number, offset: number, length: number) => field(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  block.write(name, 0, 100, 'utf8');
  octal(0o600, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(Math.floor(mtime.getTime() / 1000), 136, 12);
  field('        ', 148, 8); // the checksum counts its own field as spaces
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

export interface TarEntry {
  /** The name inside the archive, e.g. "sqlite/hailong.sqlite". */
  name: string;
  /** A file on disk, or the bytes themselves. */
  file?: string;
  data?: Buffer;
}

/** Writes the entries as a .tar.gz to `out` (written to `out.partial` and renamed when complete). */
export async function writeTarGz(out: string, entries: TarEntry[]): Promise<void> {
  const partial = `${out}.partial`;
  async function* blocks(): AsyncGenerator<Buffer> {
    for (const entry of entries) {
      const size = entry.file ? (await fs.promises.stat(entry.file)).size : entry.data!.length;
      yield header(entry.name, size, new Date());
      let written = 0;
      if (entry.file) {
        for await (const chunk of fs.createReadStream(entry.file, { highWaterMark: 1 << 20 })) {
          written += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } else {
        written = entry.data!.length;
        yield entry.data!;
      }
      if (written !== size) throw new Error(`${entry.name} changed size while it was archived`);
      if (size % BLOCK) yield Buffer.alloc(BLOCK - (size % BLOCK));
    }
    yield Buffer.alloc(BLOCK * 2); // the end-of-archive marker
  }
  try {
    await pipeline(Readable.from(blocks()), zlib.createGzip({ level: 6 }), fs.createWriteStream(partial, { mode: 0o600 }));
    await fs.promises.rename(partial, out);
  } catch (error) {
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
}

const parseOctal = (block: Buffer, offset: number, length: number) =>
  parseInt(
    block
      .toString('ascii', offset, offset + length)
      .replace(/\0.*$/s, '')
      .trim() || '0',
    8,
  );

/**
 * Unpacks a .tar.gz written by writeTarGz into `dir`: regular files only, names checked to stay inside `dir`.
 * Returns the names unpacked.
 */
export async function readTarGz(file: string, dir: string): Promise<string[]> {
  const names: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let current: { out: fs.WriteStream; left: number; pad: number } | undefined;
  let ended = false;
  const settle = (resolve: () => void, reject: (error: Error) => void) => (error?: Error | null) => {
    if (error) reject(error);
    else resolve();
  };
  const writeTo = (out: fs.WriteStream, chunk: Buffer) =>
    new Promise<void>((resolve, reject) => {
      out.write(chunk, settle(resolve, reject));
    });
  const close = (out: fs.WriteStream) =>
    new Promise<void>((resolve, reject) => {
      out.end(settle(resolve, reject));
    });

  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      consume(chunk).then(() => {
        done();
      }, done);
    },
  });
  async function consume(chunk: Buffer): Promise<void> {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (ended) return;
      if (current) {
        if (current.left > 0) {
          if (!pending.length) return;
          const part = pending.subarray(0, Math.min(current.left, pending.length));
          await writeTo(current.out, part);
          current.left -= part.length;
          pending = pending.subarray(part.length);
          continue;
        }
        if (pending.length < current.pad) return;
        pending = pending.subarray(current.pad);
        await close(current.out);
        current = undefined;
        continue;
      }
      if (pending.length < BLOCK) return;
      const block = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      if (block.every((byte) => byte === 0)) {
        ended = true;
        return;
      }
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
      if (sum !== parseOctal(block, 148, 8)) throw new Error('the backup file is damaged (a tar header checksum does not match)');
      const name = block.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const type = block.toString('ascii', 156, 157);
      const size = parseOctal(block, 124, 12);
      const target = path.resolve(dir, name);
      if ((type !== '0' && type !== '\0') || !target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`unexpected entry in the backup file: ${name}`);
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      names.push(name);
      current = { out: fs.createWriteStream(target, { mode: 0o600 }), left: size, pad: size % BLOCK ? BLOCK - (size % BLOCK) : 0 };
    }
  }
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), zlib.createGunzip(), sink);
  if (current) {
    current.out.destroy();
    throw new Error('the backup file is cut short');
  }
  if (!ended) throw new Error('the backup file is cut short (no end-of-archive marker)');
  return names;
}
