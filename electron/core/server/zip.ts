// A store-only ZIP writer for browser mode's "download the whole run": outputs are already compressed images, so
// deflating them again would cost CPU for nothing. Each file is streamed once (CRC-32 computed on the way, sizes and
// CRC in a data descriptor after it), names are UTF-8, and the central directory goes at the end. No ZIP64: an
// archive over 4 GiB is refused before a byte is written.
//
// May import: node:events, node:fs, node:zlib, node:stream (types), core/shared.
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { AppError } from '../shared/errors.js';

export interface ZipEntry {
  /** The name inside the archive. */
  name: string;
  /** The file on disk. */
  file: string;
}

const LIMIT = 0xffffffff;
const FLAGS = 0x0008 | 0x0800; // sizes in a data descriptor; UTF-8 names
const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1;

/** An archive checked to fit without ZIP64, ready to write. */
export interface ZipPlan {
  entries: readonly ZipEntry[];
  names: Buffer[];
}

/** Checks that `entries` fit in a ZIP without ZIP64 (before any response header is sent); throws when not. */
export async function planZip(entries: readonly ZipEntry[]): Promise<ZipPlan> {
  const sizes = await Promise.all(entries.map(async (entry) => (await fs.stat(entry.file)).size));
  const names = entries.map((entry) => Buffer.from(entry.name, 'utf8'));
  const total = sizes.reduce((sum, size, i) => sum + size + 30 + names[i]!.length + 16, 0);
  if (total > LIMIT || entries.length > 0xffff) {
    throw new AppError('INVALID_ARGUMENT', `These ${entries.length} results make ${Math.ceil(total / 1024 ** 3)} GB, more than one download can hold (4 GB); download them one by one.`);
  }
  return { entries, names };
}

/** Writes a planned archive to `out` (not ended). */
export async function writeZip({ entries, names }: ZipPlan, out: Writable): Promise<void> {
  // events.once rejects when the stream errors (the browser went away) while waiting for it to drain.
  const write = async (chunk: Buffer): Promise<void> => {
    if (!out.write(chunk)) await once(out, 'drain');
  };

  const central: Buffer[] = [];
  let offset = 0;
  for (const [i, entry] of entries.entries()) {
    const name = names[i]!;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(DOS_DATE_1980, 12);
    local.writeUInt16LE(name.length, 26);
    await write(Buffer.concat([local, name]));
    let crc = 0;
    let size = 0;
    for await (const chunk of createReadStream(entry.file) as AsyncIterable<Buffer>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      await write(chunk);
    }
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(size, 8);
    descriptor.writeUInt32LE(size, 12);
    await write(descriptor);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4); // made by
    header.writeUInt16LE(20, 6); // needed
    header.writeUInt16LE(FLAGS, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(0, 12);
    header.writeUInt16LE(DOS_DATE_1980, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(size, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    offset += 30 + name.length + size + 16;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  await write(Buffer.concat([directory, end]));
}
