// Public surface of core/queue: the job queue (the only owner of job state), its persistence, the input scan for
// `queue/add`, the job plan (output names, overwrite policy) and the throughput meter behind the ETA.
//
//   const queue = new JobQueue({ engine, defaults: () => settings.defaults, lookupModel, file: new QueueFile(dataDir), emit });
//   await queue.restore({ resume: true });          // the saved queue; resumes if it was running
//   queue.add((await findImages(paths, { recursive, inspector: engine, skipFolders })).images); queue.start();
//   await queue.close();                            // stops the running item (back to queued) and saves
//
// May import: its own files.
export { imageHandles, JobQueue, type JobQueueOptions, type QueueEngine } from './job-queue.js';
export { findImages, IMAGE_EXTENSIONS, type FoundImage, type FoundInputs, type ImageInspector } from './inputs.js';
export { DEFAULT_OUTPUT_SUBFOLDER, outputFolder, outputFormat, planJob, type JobPlan, type ModelLookup } from './job-plan.js';
export { emptyQueue, PersistedQueueSchema, QUEUE_FILE, QueueFile, type PersistedQueue, type QueueRecord } from './persistence.js';
export { ThroughputMeter, type WorkItem } from './throughput.js';
