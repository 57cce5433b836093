import type { Context, MiddlewareHandler } from 'hono'
import type { Keyring } from '../crypto/keys.js'
import type { Random } from '../crypto/random.js'
import { safeEqual } from '../crypto/token.js'
import { PortcullisError } from '../errors.js'
import { type CookieSettings, CSRF_COOKIE, readCookie, SESSION_COOKIE, writeCookie } from './cookies.js'
import type { AppEnv } from './env.js'
import { bearerToken, type SessionReader, wantsTokenFlow } from './session.js'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface CsrfSettings extends CookieSettings {
  publicOrigin: string
  allowedOrigins: readonly string[]
}

export interface CsrfGuard {
  middleware: MiddlewareHandler<AppEnv>
  /** The token for GET /csrf: bound to the session, or to a nonce cookie before sign-in. */
  issueToken(c: Context<AppEnv>): Promise<string>
  /** True when `sent` is the token of this request's session or nonce cookie (the web UI's forms carry it as a field). */
  verifyToken(c: Context<AppEnv>, sent: string | undefined): Promise<boolean>
  /** True when the browser says the request comes from another site, or its Origin is not an allowed one. */
  isCrossSite(c: Context): boolean
  /**
   * True when the request proves it comes from this site: an allowed Origin, or the CSRF token in
   * the X-CSRF-Token header or in `field` (a form's). For routes that ask it even without a cookie.
   */
  hasProof(c: Context<AppEnv>, field: string | undefined): Promise<boolean>
}

export function createCsrfGuard(settings: CsrfSettings, keyring: Keyring, random: Random, sessions: SessionReader): CsrfGuard {
  const allowed = new Set([settings.publicOrigin, ...settings.allowedOrigins])

  async function expectedTokens(c: Context<AppEnv>): Promise<string[]> {
    const tokens: string[] = []
    const resolved = await sessions.current(c)
    if (resolved) tokens.push(keyring.hmac('csrf', `session:${resolved.session.id}`))
    const nonce = readCookie(c, settings, CSRF_COOKIE)
    if (nonce) tokens.push(keyring.hmac('csrf', `nonce:${nonce}`))
    return tokens
  }

  async function verifyToken(c: Context<AppEnv>, sent: string | undefined): Promise<boolean> {
    if (!sent) return false
    return (await expectedTokens(c)).some((expected) => safeEqual(sent, expected))
  }

  function isCrossSite(c: Context): boolean {
    const origin = c.req.header('origin')
    const fetchSite = c.req.header('sec-fetch-site')
    if (fetchSite === 'cross-site') return true
    // A page served with Referrer-Policy: no-referrer (the magic-link and recovery pages, the web UI)
    // makes the browser send `Origin: null` on its own form posts; Sec-Fetch-Site, which no page can
    // set, then says the post came from this origin.
    if (origin === 'null' && fetchSite === 'same-origin') return false
    return origin !== undefined && !allowed.has(origin)
  }

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || bearerToken(c) !== null) return next()
    const origin = c.req.header('origin')
    const cookieAuthenticated = readCookie(c, settings, SESSION_COOKIE) !== undefined
    // A token-flow request sets no cookie and is answered with nothing a forged form could use.
    const browserFlow = cookieAuthenticated || !wantsTokenFlow(c)
    const needsProof = browserFlow && (isCrossSite(c) || (cookieAuthenticated && origin === undefined))
    if (needsProof && !(await verifyToken(c, c.req.header('x-csrf-token')))) {
      throw new PortcullisError('csrf_failed', 'Cross-site request refused: send a matching Origin or the X-CSRF-Token header')
    }
    return next()
  }

  async function issueToken(c: Context<AppEnv>): Promise<string> {
    const resolved = await sessions.current(c)
    if (resolved) return keyring.hmac('csrf', `session:${resolved.session.id}`)
    let nonce = readCookie(c, settings, CSRF_COOKIE)
    if (!nonce) {
      nonce = random.token()
      writeCookie(c, settings, CSRF_COOKIE, nonce, 24 * 3600)
    }
    return keyring.hmac('csrf', `nonce:${nonce}`)
  }

  async function hasProof(c: Context<AppEnv>, field: string | undefined): Promise<boolean> {
    if (c.req.header('origin') !== undefined && !isCrossSite(c)) return true
    return (await verifyToken(c, c.req.header('x-csrf-token'))) || (await verifyToken(c, field))
  }

  return { middleware, issueToken, verifyToken, isCrossSite, hasProof }
}
