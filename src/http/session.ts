import type { Context } from 'hono'
import { PortcullisError } from '../errors.js'
import type { ResolvedSession, SessionService } from '../features/sessions/index.js'
import { type CookieSettings, readCookie, SESSION_COOKIE } from './cookies.js'
import type { AppEnv } from './env.js'

/** The bearer token of the Authorization header, if there is one. */
export function bearerToken(c: Context): string | null {
  const header = c.req.header('authorization')
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
  return match?.[1] ?? null
}

/** True when the client asked for the token flow: no cookie, the token in the body. */
export function wantsTokenFlow(c: Context): boolean {
  return c.req.header('x-auth-flow')?.toLowerCase() === 'token' || c.req.header('x-auth-strategy')?.toLowerCase() === 'bearer'
}

export interface SessionReader {
  /** The request's session (bearer first, then cookie), read once per request. */
  current(c: Context<AppEnv>): Promise<ResolvedSession | null>
  /**
   * The session of an ordinary authenticated route.
   * @throws unauthorized without a valid session; mfa_enrollment_required when MFA_POLICY=required
   *   and the user has no second factor yet.
   */
  require(c: Context<AppEnv>): Promise<ResolvedSession>
  /** The session of a route that helps a user enrol (or leave): open before the first factor. */
  requireForEnrollment(c: Context<AppEnv>): Promise<ResolvedSession>
}

export function createSessionReader(sessions: SessionService, settings: CookieSettings & { mfaPolicy: 'optional' | 'required' }): SessionReader {
  async function current(c: Context<AppEnv>): Promise<ResolvedSession | null> {
    const cached = c.get('auth')
    if (cached !== undefined) return cached
    // A request that names a bearer token is judged by it alone: no fallback to a cookie.
    const token = c.req.header('authorization') ? bearerToken(c) : (readCookie(c, settings, SESSION_COOKIE) ?? null)
    const resolved = token ? await sessions.resolve(token) : null
    c.set('auth', resolved)
    return resolved
  }
  async function requireForEnrollment(c: Context<AppEnv>): Promise<ResolvedSession> {
    const resolved = await current(c)
    if (!resolved) throw new PortcullisError('unauthorized', 'Not signed in or the session has ended')
    return resolved
  }
  async function require(c: Context<AppEnv>): Promise<ResolvedSession> {
    const resolved = await requireForEnrollment(c)
    if (settings.mfaPolicy === 'required' && !resolved.user.mfa_enabled) {
      throw new PortcullisError('mfa_enrollment_required', 'Set up a second factor before continuing', { details: [{ enroll: ['totp', 'webauthn'] }] })
    }
    return resolved
  }
  return { current, require, requireForEnrollment }
}
