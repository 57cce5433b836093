import type { Context } from 'hono'
import type { User } from '../features/accounts/index.js'
import type { SignInOutcome } from '../features/mfa/index.js'
import { type CookieSettings, SESSION_COOKIE, writeCookie } from './cookies.js'
import { wantsTokenFlow } from './session.js'

export interface SignInResponseSettings extends CookieSettings {
  sessionMaxTtlSeconds: number
}

/**
 * Shapes every sign-in answer alike: an MFA challenge, or the user with a session set as a
 * cookie — or, in the token flow, returned in the body.
 */
export function signInResponse(c: Context, settings: SignInResponseSettings, user: User, outcome: SignInOutcome, status: 200 | 201 = 200): Response {
  if (outcome.kind === 'challenge') {
    return c.json({ mfaRequired: true, challenge: outcome.challenge, expiresIn: outcome.expiresIn, methods: outcome.methods }, 200)
  }
  const body: Record<string, unknown> = { user }
  if (outcome.issued.session.trustedDevice) body.session = sessionJson(outcome.issued.session)
  if (wantsTokenFlow(c)) {
    body.token = outcome.issued.token
  } else {
    writeCookie(c, settings, SESSION_COOKIE, outcome.issued.token, settings.sessionMaxTtlSeconds)
  }
  return c.json(body, status)
}

export function sessionJson(session: { id: string; aal: 1 | 2; trustedDevice: boolean; createdAt: Date; expiresAt: Date }) {
  return {
    id: session.id,
    aal: session.aal,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    ...(session.trustedDevice ? { trustedDevice: true } : {}),
  }
}
