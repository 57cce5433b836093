import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import type { TestAuth } from './test-auth.js'

export interface EnrolledUser {
  email: string
  password: string
  token: string
  userId: string
  secret: Uint8Array
  recoveryCodes: string[]
  /** The TOTP code for the fixture clock's current time. */
  code(): string
}

/** Signs a user up and turns on TOTP through the HTTP API, as a client would. */
export async function signUpWithTotp(t: TestAuth, email?: string): Promise<EnrolledUser> {
  const { user, token, email: address, password } = await t.signUp(email)
  const enrollment = await t.request('POST', '/mfa/totp/enroll', { token, body: {} })
  if (enrollment.status !== 200) throw new Error(`enrol failed: ${enrollment.status} ${JSON.stringify(enrollment.body)}`)
  const secret = decodeSecret(enrollment.body.secret)
  const code = () => totpCodeAt(secret, Math.floor(t.clock.now().getTime() / 1000))
  const confirmed = await t.request('POST', '/mfa/totp/confirm', { token, body: { enrollmentId: enrollment.body.enrollmentId, code: code() } })
  if (confirmed.status !== 200) throw new Error(`confirm failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`)
  // The confirming code is spent: move to the next step so the next code is a fresh one.
  t.clock.advance(30_000)
  return { email: address, password, token, userId: user.id, secret, recoveryCodes: confirmed.body.recoveryCodes, code }
}

/** Password sign-in that expects a challenge; returns the challenge token. */
export async function challengeFor(t: TestAuth, user: EnrolledUser, headers: Record<string, string> = {}): Promise<string> {
  const response = await t.signIn(user.email, user.password, headers)
  if (!response.body?.mfaRequired) throw new Error(`expected a challenge: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body.challenge
}

/**
 * `count` challenges for one user, signed in one after another: password tries fired together at
 * one account are compared at most MFA_LOCKOUT_THRESHOLD at a time (API.md, lockout).
 */
export async function challengesFor(t: TestAuth, user: EnrolledUser, count: number): Promise<string[]> {
  const challenges: string[] = []
  for (let i = 0; i < count; i++) challenges.push(await challengeFor(t, user))
  return challenges
}

/** A six-digit code that none of the accepted steps around the clock's time produces: wrong for sure. */
export function wrongCode(t: TestAuth, user: EnrolledUser): string {
  const now = Math.floor(t.clock.now().getTime() / 1000)
  const near = new Set([-1, 0, 1].map((step) => totpCodeAt(user.secret, now + step * 30)))
  let candidate = 123456
  while (near.has(String(candidate))) candidate++
  return String(candidate)
}

/** Moves the clock one TOTP step on and returns that step's code, so it was never spent before. */
export function freshCode(t: TestAuth, user: EnrolledUser): string {
  t.clock.advance(30_000)
  return user.code()
}

/** Password sign-in completed with a fresh TOTP code in the token flow; returns the answer (token, and trustedDeviceToken when asked). */
export async function signInWithTotp(t: TestAuth, user: EnrolledUser, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const challenge = await challengeFor(t, user, headers)
  const response = await t.request('POST', '/mfa/verify', {
    body: { challenge, method: 'totp', code: freshCode(t, user), ...extra },
    headers: { 'x-auth-flow': 'token', ...headers },
  })
  if (response.status !== 200) throw new Error(`verify failed: ${response.status} ${JSON.stringify(response.body)}`)
  return response
}
