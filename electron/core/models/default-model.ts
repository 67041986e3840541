// The one place that names the model used when the caller does not choose one: the bundled Real-ESRGAN-compact x4
// export (see native-models/realesrgan-x4fast/manifest.json and the README for what its output is worth).
//
// May import: nothing.
export const DEFAULT_MODEL_ID = 'realesrgan-x4fast';
