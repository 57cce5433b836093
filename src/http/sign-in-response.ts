import type { Context } from 'hono'
import type { User } from '../features/accounts/index.js'
import type { SignInOutcome } from '../features/mfa/index.js'
import { type CookieSettings, readCookie, SESSION_COOKIE, TRUSTED_DEVICE_COOKIE, writeCookie } from './cookies.js'
import { wantsTokenFlow } from './session.js'

export interface SignInResponseSettings extends CookieSettings {
  sessionMaxTtlSeconds: number
}

/** A newly trusted device's token, to hand to the client with the session. */
export interface DeviceGrant {
  token: string
  maxAgeSeconds: number
}

/** The trusted-device token a sign-in presents: the cookie, or `X-Trusted-Device` in the token flow. */
export function trustedDeviceToken(c: Context, settings: CookieSettings): string | null {
  return c.req.header('x-trusted-device') ?? readCookie(c, settings, TRUSTED_DEVICE_COOKIE) ?? null
}

/**
 * Shapes every sign-in answer alike: an MFA challenge, or the user with a session set as a
 * cookie — or, in the token flow, returned in the body.
 */
export function signInResponse(
  c: Context,
  settings: SignInResponseSettings,
  user: User,
  outcome: SignInOutcome,
  status: 200 | 201 = 200,
  device: DeviceGrant | null = null,
  redirectTo: string | null = null,
): Response {
  if (outcome.kind === 'challenge') {
    return c.json({ mfaRequired: true, challenge: outcome.challenge, expiresIn: outcome.expiresIn, methods: outcome.methods }, 200)
  }
  const body: Record<string, unknown> = { user }
  if (redirectTo) body.redirectTo = redirectTo
  if (outcome.issued.session.trustedDevice) body.session = sessionJson(outcome.issued.session)
  if (wantsTokenFlow(c)) {
    body.token = outcome.issued.token
    if (device) body.trustedDeviceToken = device.token
  } else {
    writeSignInCookies(c, settings, outcome.issued.token, device)
  }
  return c.json(body, status)
}

/** Sets the session cookie of a browser sign-in, and the trusted-device cookie when one was granted. */
export function writeSignInCookies(c: Context, settings: SignInResponseSettings, sessionToken: string, device: DeviceGrant | null = null): void {
  writeCookie(c, settings, SESSION_COOKIE, sessionToken, settings.sessionMaxTtlSeconds)
  if (device) writeCookie(c, settings, TRUSTED_DEVICE_COOKIE, device.token, device.maxAgeSeconds)
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
