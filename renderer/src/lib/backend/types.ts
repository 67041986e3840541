// What the renderer needs from its host, on top of the contract's `Backend` (calls and events): how an image handle
// becomes a URL, how dropped files become paths, the native dialogs and file manager where the host has them, and
// uploads and downloads where files must cross the network (browser mode). Each host
// (Electron IPC, browser-mode HTTP, the test fake) implements this once; the rest of the renderer sees only this.
//
// May import: electron/core/shared (types).
import type { ApiResult, Backend, ImageRef } from '../../../../electron/core/shared/api.js';

export type HostMode = 'electron' | 'browser' | 'test';

export type ConnectionChange = 'lost' | 'restored';

/** Native dialogs. The host acts on the pick itself (the paths never pass through the page); null when cancelled. */
export interface HostPickers {
  /** Picks image files (or folders) and adds them to the queue. */
  addImages(options: { folders: boolean }): Promise<ApiResult<'queue/add'> | null>;
  /** Picks the output folder and saves it in the settings. */
  chooseOutputFolder(): Promise<ApiResult<'settings/set'> | null>;
  /** Picks an .onnx file and adds it as the user's model. */
  addModel(): Promise<AddedModel | null>;
}

/** A model the user added: its id and the models listing that now includes it. */
export type AddedModel = { added: string } & ApiResult<'models/list'>;

/** Browser mode: the user's files cross the network, since a web page never learns their paths. */
export interface HostTransfers {
  /** Uploads one file into the server's inbox and queues it; answers as `queue/add` (a refusal is in `rejected`). */
  upload(file: File): Promise<ApiResult<'queue/add'>>;
  /** Saves one done item's result (`item/<id>/output`) with the browser's download. */
  download(handle: string): Promise<void>;
  /** Saves every done item's result as one ZIP download. */
  downloadAll(): Promise<void>;
  /** Uploads an .onnx file and adds it as the user's model. */
  addModel(file: File): Promise<AddedModel>;
}

/** Electron: the desktop's file manager, for a done item's result (named by its handle, never a path). */
export interface HostShell {
  /** Shows the result selected in its folder. */
  showInFolder(handle: string): Promise<void>;
  /** Opens the folder the result is in. */
  openFolder(handle: string): Promise<void>;
}

export interface RendererBackend extends Backend {
  readonly mode: HostMode;
  /** The URL that shows `image` in an <img> (Electron's image scheme, the browser server's image route). */
  imageUrl(image: ImageRef): string;
  /** Paths of files dropped or pasted into the page; empty where the host cannot know them (a plain browser). */
  pathsOfFiles(files: readonly File[]): string[];
  readonly pickers?: HostPickers | undefined;
  readonly transfers?: HostTransfers | undefined;
  readonly shell?: HostShell | undefined;
  /**
   * Where the connection can break (browser mode: the server stopped, crashed or hangs): `lost` as soon as the event
   * stream ends or falls silent (within 2 s), `restored` once it is back (it retries by itself every second); events
   * sent meanwhile are lost, so state that mirrors the service reloads on `restored`. Never called for the first
   * connect. Returns the unsubscribe. IPC cannot lose its main process and leaves it out.
   */
  onConnectionChange?(listener: (change: ConnectionChange) => void): () => void;
}
