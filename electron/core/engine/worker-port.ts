// The worker's link to its parent, whatever hosts it: a Node child process (`child_process.fork`, messages through
// `process.send`) for the CLI and the browser-mode server, or Electron's utilityProcess (`process.parentPort`) for the
// app. The engine service only sees this interface, so hosting it elsewhere is these few lines.
//
// May import: nothing but Node's process object.

export interface WorkerPort {
  post(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
}

/** Electron's utilityProcess side of the channel (typed here so core does not import electron). */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * The port of the process this code runs in: utilityProcess when Electron provides one, else the fork IPC channel.
 * `end` runs when this process must stop: its parent asked (SIGTERM: what child.kill() and utilityProcess.kill() send)
 * or went away (the fork channel closed: the parent crashed or was killed, so nobody can receive results any more).
 * It must clean up synchronously and exit; the default just exits.
 */
export function parentWorkerPort(end: () => void = () => process.exit(0)): WorkerPort {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  const send = process.send?.bind(process);
  if (!parentPort && !send) throw new Error('The engine worker must be started by child_process.fork or utilityProcess.fork (no IPC channel).');
  process.on('SIGTERM', end);
  // Ctrl-C (and a closed terminal's hang-up) signal the whole process group; the parent decides (it sends cancel, so
  // the job ends cleanly and leaves no partial file) instead of the worker dying mid-write.
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  if (parentPort) {
    return { post: (m) => parentPort.postMessage(m), onMessage: (h) => parentPort.on('message', (e) => h(e.data)) };
  }
  process.on('disconnect', end);
  // A job that ends after the parent went away has nobody to tell.
  return { post: (m) => void (process.connected && send!(m)), onMessage: (h) => process.on('message', h) };
}
