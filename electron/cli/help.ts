// The text of `tinysr --help` and `tinysr <command> --help`.
//
// May import: core/models (default id), ./exit-codes.
import { DEFAULT_MODEL_ID } from '../core/models/index.js';
import { EXIT } from './exit-codes.js';

const EXIT_CODES = `Exit codes: ${EXIT.ok} all succeeded, ${EXIT.someFailed} some files (or model folders) failed, ${EXIT.usage} usage error, ${EXIT.fatal} could not run (model or engine), ${EXIT.interrupted} interrupted (Ctrl-C, SIGTERM, SIGHUP).`;

const UPSCALE = `tinysr upscale <files|folders...> -o <dir> [options]

Upscales each image with an ONNX model (default: ${DEFAULT_MODEL_ID}) in a separate engine process.
Folders are scanned for .jpg .png .webp .tif .avif .gif images; one bad file never stops the batch.

  -o, --output <dir>         folder for the upscaled files (created if missing; subfolders mirrored with -r)
  -m, --model <id>           model id from \`tinysr models\` (default ${DEFAULT_MODEL_ID})
  -f, --format <fmt>         png (default), jpeg, webp, tiff, avif
  -q, --quality <1-100>      for jpeg, webp, avif
      --tile <px>            LR tile side (free-size models only; fixed-size models use their own)
      --overlap <px>         LR overlap between tiles (default: the model's recommendation)
  -p, --provider <name>      auto (default: cuda -> dml -> coreml -> cpu), cuda, dml, coreml, webgpu, cpu
      --threads <n>          CPU threads for inference (default: all)
  -r, --recursive            include subfolders of the given folders
      --skip-existing        leave outputs that already exist alone (counted as skipped)
      --overwrite            replace outputs that already exist (default: such files fail with OUTPUT_EXISTS)
      --name-template <t>    output file name from {name} {model} {scale} {ext} (default {name}_{model}_x{scale}.{ext})
      --keep-metadata        carry EXIF, XMP and the colour profile over (default); IPTC-IIM fields (Keywords,
                             By-line) are not written: editors mirror them into XMP, which is carried
      --strip-metadata       write no camera metadata (the provenance tag is still written)
      --max-megapixels <n>   largest input to accept, in megapixels (default 100; the guard against decompression
                             bombs: raise it for a file you trust)
`;

const MODELS = `tinysr models [--json]

Lists the bundled and user models, marks the default, flags untrained (random-init) models, and says what is wrong
with any broken model folder. User models live in $TINYSR_USER_MODELS (default: your data folder's tinysr/models).
`;

const PROBE = `tinysr probe [--json] [--model <id>]

Creates a session with each execution provider this onnxruntime-node build lists and runs one tile, then reports
which providers really work here (and why the others do not) and which one \`auto\` uses.
`;

export function helpText(topic: 'upscale' | 'models' | 'probe' | undefined): string {
  if (topic === 'upscale') return `${UPSCALE}\n${EXIT_CODES}\n`;
  if (topic === 'models') return `${MODELS}\n${EXIT_CODES}\n`;
  if (topic === 'probe') return `${PROBE}\n${EXIT_CODES}\n`;
  return `TinySR Studio command line: x4 photo upscaling with ONNX models.

  tinysr upscale <files|folders...> -o <dir> [options]   upscale images (tinysr upscale --help)
  tinysr models [--json]                                 list installed models
  tinysr probe [--json]                                  which execution providers work here
  tinysr serve [--port <n>]                              browser mode: the app on 127.0.0.1 (tinysr serve --help)

${EXIT_CODES}
`;
}
