import type { IssuedSession } from '../sessions/index.js'

/** What completes a challenge, as the contract names them. */
export type MfaMethod = 'totp' | 'recovery_code' | 'email_otp' | 'webauthn'

/** The factor that got a person as far as the challenge. */
export type FirstFactor = 'password' | 'email_otp' | 'magic_link'

/** Where a correct first factor leads: a session, or a challenge for a second factor. */
export type SignInOutcome =
  | { kind: 'session'; userId: string; issued: IssuedSession }
  | { kind: 'challenge'; userId: string; challenge: string; expiresIn: number; methods: MfaMethod[] }
