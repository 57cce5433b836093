import type { MfaMethod } from './types.js'

/** What a factor says of a code: accepted, or refused with an optional reason a client can act on. */
export type FactorResult = { ok: true } | { ok: false; reason?: 'clock_skew' }

/** The small interface the MFA challenge consumes; every second factor implements it. */
export interface Factor {
  readonly method: MfaMethod
  isEnrolled(userId: string): Promise<boolean>
  /** `challengeId` names the challenge being completed, for factors bound to one (email codes). */
  verify(userId: string, code: string, challengeId?: string): Promise<FactorResult>
}
