// Who may talk to the browser-mode server: the token as a Bearer header (API calls, the event stream) or the image key
// derived from it (image URLs only; see core/shared/browser-access.ts for why there is no cookie), and the
// Host/Origin checks that keep other web sites out (cross-site requests and DNS rebinding). Pure decisions on request
// headers; the server applies them to every request before routing.
//
// May import: node:crypto, core/shared.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IMAGE_KEY_LABEL } from '../shared/browser-access.js';

export interface AccessPolicy {
  /** The secret printed in the URL's fragment; 32 random bytes, base64url. */
  token: string;
  /** The port the server listens on. */
  port: number;
}

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether `value` has the shape newToken makes (a saved token read back from disk is checked with it). */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** The key image URLs carry: HMAC-SHA256(token, IMAGE_KEY_LABEL), base64url; the page derives the same with WebCrypto. */
export function imageKey(token: string): string {
  return createHmac('sha256', token).update(IMAGE_KEY_LABEL).digest('base64url');
}

/** Host names a loopback server answers to. Any other Host (a rebinding attacker's domain) is refused. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  return LOOPBACK_HOSTS.some((name) => host.toLowerCase() === `${name}:${port}`);
}

/** Same-origin check: a browser sends Origin on cross-origin requests and on every POST; it must be our own address. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return LOOPBACK_HOSTS.some((name) => origin.toLowerCase() === `http://${name}:${port}`);
}

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

export interface RequestHeaders {
  host?: string | undefined;
  origin?: string | undefined;
  authorization?: string | undefined;
  'sec-fetch-site'?: string | string[] | undefined;
}

/** The checks every request passes before anything else: loopback Host, same Origin, and no cross-site fetch. */
export function checkSite(headers: RequestHeaders, policy: AccessPolicy): AccessDecision {
  if (!isAllowedHost(headers.host, policy.port)) {
    return { ok: false, status: 403, reason: `Host "${headers.host ?? ''}" is not this server's loopback address (127.0.0.1:${policy.port}).` };
  }
  if (!isAllowedOrigin(headers.origin, policy.port)) {
    return { ok: false, status: 403, reason: `Origin "${headers.origin}" may not call this server; only pages it served may.` };
  }
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return { ok: false, status: 403, reason: `Cross-site request (Sec-Fetch-Site: ${site}) refused.` };
  }
  return { ok: true };
}

const NO_TOKEN = 'Missing or wrong access token: open the URL that `tinysr serve` printed (it carries #token=...), or send Authorization: Bearer <token>.';

/** The token check for API calls and the event stream: `Authorization: Bearer <token>`, nothing else. */
export function checkToken(headers: RequestHeaders, policy: AccessPolicy): AccessDecision {
  if (tokensEqual(bearerToken(headers.authorization), policy.token)) return { ok: true };
  return { ok: false, status: 401, reason: NO_TOKEN };
}

/** The check for image requests: the Bearer token, or the image key in the URL (an <img> cannot send a header). */
export function checkImageAccess(headers: RequestHeaders, key: string | null, policy: AccessPolicy): AccessDecision {
  if (key !== null && tokensEqual(key, imageKey(policy.token))) return { ok: true };
  return checkToken(headers, policy);
}
