// Electron glue: the native dialogs behind the host calls and the File menu. What the user picks goes straight to the
// API service (queue/add, settings/set), so these paths never travel through the renderer.
//
// May import: electron, core/api (types), core/queue (image extensions), core/shared (types), ./ipc-registry (types).
import { dialog, type BrowserWindow } from 'electron';
import type { ApiService } from '../core/api/index.js';
import { IMAGE_EXTENSIONS } from '../core/queue/index.js';
import type { ApiResult } from '../core/shared/api.js';
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
  };
}
