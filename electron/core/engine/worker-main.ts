// Entry point of the engine process: `child_process.fork('dist/core/engine/worker-main.js')` from EngineClient, or
// Electron's `utilityProcess.fork` of the same file. All inference, decoding and encoding happen here, off the
// caller's event loop.
//
// When told to end (or orphaned), it removes the temp files and profile folders its jobs have in flight before it
// exits: a worker killed mid-encode used to leave a complete hidden `.tinysr-*.tmp.png` and a `tinysr-icc-*` folder.
//
// May import: core/imageio (atomic), ./engine, ./engine-service, ./process-setup, ./worker-port.
import { removeTempsInFlight } from '../imageio/atomic.js';
import { Engine } from './engine.js';
import { serveEngine } from './engine-service.js';
import { configureEngineProcess } from './process-setup.js';
import { parentWorkerPort } from './worker-port.js';

configureEngineProcess();
const end = (): void => {
  removeTempsInFlight();
  process.exit(0);
};
serveEngine(parentWorkerPort(end), (config) => new Engine(config));
