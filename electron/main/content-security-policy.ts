// The Content-Security-Policy of the app's pages, sent as a header by the app scheme. Scripts and styles only from the
// app itself, images also from the read-only image scheme, no plugins, frames, forms or base-URI tricks. Inline styles
// are allowed as in browser mode (core/server/static-files.ts), so the renderer behaves the same in both hosts and the
// browser-mode end-to-end tests cover what the window shows; inline scripts are not.
//
// May import: ../common/ipc-bridge (the image scheme's name).
import { IMAGE_SCHEME } from '../common/ipc-bridge.js';

const DIRECTIVES: readonly (readonly [string, readonly string[]])[] = [
  ['default-src', ["'none'"]],
  ['script-src', ["'self'"]],
  ['style-src', ["'self'", "'unsafe-inline'"]],
  ['img-src', ["'self'", `${IMAGE_SCHEME}:`, 'data:', 'blob:']],
  ['font-src', ["'self'"]],
  ['connect-src', ["'self'", `${IMAGE_SCHEME}:`]],
  ['worker-src', ["'self'"]],
  ['object-src', ["'none'"]],
  ['frame-src', ["'none'"]],
  ['frame-ancestors', ["'none'"]],
  ['base-uri', ["'none'"]],
  ['form-action', ["'none'"]],
];

export const CONTENT_SECURITY_POLICY = DIRECTIVES.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');

/** One directive's sources, for tests and diagnostics. */
export function cspSources(policy: string, directive: string): string[] | undefined {
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name === directive) return sources;
  }
  return undefined;
}
