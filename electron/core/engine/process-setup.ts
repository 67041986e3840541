// Process-wide settings for a process whose job is running the engine (the worker; benchmarks that measure it).
// libvips' operation cache keeps recently decoded images for reuse: the engine reads each file once, so the cache
// would only hold memory (about two LR-sized copies per image, measured with bench/engine-memory.mjs).
//
// May import: sharp.
import sharp from 'sharp';

export function configureEngineProcess(): void {
  sharp.cache(false);
}
