// Electron glue: the native dialogs and the file manager behind the host calls and the File menu. What the user picks
// goes straight to the API service (queue/add, settings/set), and a result to show is named by its handle, which the
// service resolves, so paths never travel through the renderer.
//
// May import: node:fs, node:path, electron, core/api (types), core/queue (image extensions), core/shared, ./ipc-registry (types).
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { dialog, shell, type BrowserWindow } from 'electron';
import type { ApiService } from '../core/api/index.js';
import { IMAGE_EXTENSIONS } from '../core/queue/index.js';
import type { ApiResult } from '../core/shared/api.js';
import { AppError } from '../core/shared/errors.js';
import type { HostHandlers } from './ipc-registry.js';

const IMAGE_FILTER = { name: 'Images', extensions: [...IMAGE_EXTENSIONS].map((ext) => ext.slice(1)) };

export function createDialogs(window: () => BrowserWindow | undefined, service: ApiService): HostHandlers {
  const pick = async (options: Electron.OpenDialogOptions): Promise<string[] | null> => {
    const parent = window();
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths;
  };
  return {
    'open-images': async ({ folders }): Promise<ApiResult<'queue/add'> | null> => {
      const paths = await pick({
        title: folders ? 'Add folders of images' : 'Add images',
        properties: folders ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'],
        ...(folders ? {} : { filters: [IMAGE_FILTER] }),
      });
      return paths === null ? null : service.invoke('queue/add', { paths });
    },
    'choose-output-folder': async (): Promise<ApiResult<'settings/set'> | null> => {
      const paths = await pick({ title: 'Choose the output folder', properties: ['openDirectory', 'createDirectory'] });
      const folder = paths?.[0];
      return folder === undefined ? null : service.invoke('settings/set', { defaults: { outputDir: folder } });
    },
    'add-model': async () => {
      const paths = await pick({ title: 'Add your own model', properties: ['openFile'], filters: [{ name: 'ONNX models', extensions: ['onnx'] }] });
      const file = paths?.[0];
      return file === undefined ? null : service.addModel(path.basename(file), createReadStream(file));
    },
    'show-result': async ({ handle, reveal }): Promise<null> => {
      const result = await service.resultFile(handle);
      if (reveal === 'file') shell.showItemInFolder(result.path);
      else {
        const failure = await shell.openPath(path.dirname(result.path));
        if (failure !== '') throw new AppError('INTERNAL', `The folder ${path.dirname(result.path)} could not be opened: ${failure}`, { path: path.dirname(result.path) });
      }
      return null;
    },
  };
}
