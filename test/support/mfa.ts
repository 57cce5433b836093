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
