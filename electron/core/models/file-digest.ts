// sha256 of model files, remembered by (path, size, mtime) so that listing models at startup costs a stat per file
// instead of hashing hundreds of megabytes. The memory cache lives as long as the cache object; an optional JSON file
// carries it across runs (written atomically; a broken or foreign file is ignored and rebuilt).
//
// May import: node:fs, node:crypto, node:path, zod.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const StoredEntrySchema = z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() });
const StoreSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), StoredEntrySchema) });
type StoredEntry = z.infer<typeof StoredEntrySchema>;

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class FileDigestCache {
  private entries = new Map<string, StoredEntry>();
  private loaded = false;
  private dirty = false;

  /** @param storeFile JSON file to persist digests in; undefined keeps them in memory only. */
  constructor(private readonly storeFile?: string) {}

  /** The sha256 of `file`, whose current size and mtime the caller has just read with stat. */
  async digest(file: string, stat: { size: number; mtimeMs: number }): Promise<string> {
    await this.load();
    const key = path.resolve(file);
    const known = this.entries.get(key);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.sha256;
    const sha256 = await sha256OfFile(file);
    this.entries.set(key, { size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
    this.dirty = true;
    return sha256;
  }

  /** Writes new digests to the store file (best effort: a read-only home only costs re-hashing next time). */
  async flush(): Promise<void> {
    if (!this.storeFile || !this.dirty) return;
    const data = JSON.stringify({ version: 1, entries: Object.fromEntries(this.entries) });
    const tmp = `${this.storeFile}.${process.pid}.tmp`;
    try {
      await fs.mkdir(path.dirname(this.storeFile), { recursive: true });
      await fs.writeFile(tmp, data);
      await fs.rename(tmp, this.storeFile);
      this.dirty = false;
    } catch {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.storeFile) return;
    try {
      const parsed = StoreSchema.safeParse(JSON.parse(await fs.readFile(this.storeFile, 'utf8')));
      if (parsed.success) this.entries = new Map(Object.entries(parsed.data.entries));
    } catch {
      // No store yet, or an unreadable one: start empty and rewrite it on flush.
    }
  }
}
