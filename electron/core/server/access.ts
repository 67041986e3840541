// Who may talk to the browser-mode server: the per-run token (URL once, then an HttpOnly cookie, or a Bearer header),
// and the Host/Origin checks that keep other web sites out (cross-site requests and DNS rebinding). Pure decisions on
// request headers; the server applies them to every request before routing.
//
// May import: node:crypto.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface AccessPolicy {
  /** The secret printed in the URL; 32 random bytes, base64url. */
  token: string;
  /** The port the server listens on (cookies are not port-scoped, so the cookie name carries it). */
  port: number;
}

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The cookie holding the token. Two servers on 127.0.0.1 share a cookie jar across ports, so each port gets its own name. */
export function cookieName(port: number): string {
  return `tinysr_token_${port}`;
}

/** Set-Cookie value after a valid `?token=`: invisible to scripts, never sent by another site, gone with the browser session. */
export function tokenCookie(policy: AccessPolicy): string {
  return `${cookieName(policy.port)}=${policy.token}; HttpOnly; SameSite=Strict; Path=/`;
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

export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

export interface RequestHeaders {
  host?: string | undefined;
  origin?: string | undefined;
  cookie?: string | undefined;
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

/** The token check for API, event and file requests (and the renderer's pages): the cookie or a Bearer header. */
export function checkToken(headers: RequestHeaders, policy: AccessPolicy): AccessDecision {
  const given = bearerToken(headers.authorization) ?? cookieValue(headers.cookie, cookieName(policy.port));
  if (tokensEqual(given, policy.token)) return { ok: true };
  return {
    ok: false,
    status: 401,
    reason: 'Missing or wrong access token: open the URL that `tinysr serve` printed (it carries ?token=...), or send Authorization: Bearer <token>.',
  };
}
