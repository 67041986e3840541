// Renders build/icon.svg to build/icon.png (1024x1024), the source electron-builder turns into the Windows .ico, the
// macOS .icns and the Linux icon set. Rerun after editing the SVG: `node build/make-icon.mjs`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
const info = await sharp(path.join(here, 'icon.svg'), { density: 72 }).resize(1024, 1024).png().toFile(path.join(here, 'icon.png'));
console.log(`build/icon.png: ${info.width}x${info.height}, ${info.size} bytes`);
