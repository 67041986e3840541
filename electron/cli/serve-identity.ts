// What keeps a browser tab working across `tinysr serve` restarts: the port and the access token of the last run,
// saved in the data folder (`browser-mode.json`, readable by its owner only) and used again unless the user asks for
// another port (--port) or a new token (--new-token). A tab left open reconnects to the same address with the token
// it keeps in sessionStorage. A damaged file is ignored (a fresh token, a free port) and replaced on the next start.
//
// May import: node:path, zod, core/server (token shape), core/settings (JsonDocument).
import path from 'node:path';
import { z } from 'zod';
import { isToken } from '../core/server/index.js';
import { JsonDocument } from '../core/settings/index.js';

export const SERVE_IDENTITY_FILE = 'browser-mode.json';

const ServeIdentitySchema = z
  .object({
    version: z.literal(1),
    port: z.number().int().min(1).max(65535),
    token: z.string().refine(isToken, 'not a token tinysr serve made'),
  })
  .strict();
export type ServeIdentity = z.infer<typeof ServeIdentitySchema>;

export class ServeIdentityFile {
  private readonly document: JsonDocument<typeof ServeIdentitySchema>;

  constructor(dataDir: string) {
    this.document = new JsonDocument(path.join(dataDir, SERVE_IDENTITY_FILE), ServeIdentitySchema, 'browser-mode');
  }

  /** The last run's port and token, or undefined when there is none (or the file is unusable). */
  async load(): Promise<ServeIdentity | undefined> {
    const loaded = await this.document.load(() => ({ version: 1, port: 1, token: '' }));
    return loaded.existed && loaded.problem === undefined ? loaded.value : undefined;
  }

  /** Saves this run's port and token, readable by the owner only (the token opens the whole API). */
  save(identity: Omit<ServeIdentity, 'version'>): Promise<void> {
    return this.document.save({ version: 1, ...identity }, 0o600);
  }
}
