import type { MfaMethod } from './types.js'

/** What a factor says of an input: accepted, or refused with an optional reason a client can act on. */
export type FactorResult = { ok: true } | { ok: false; reason?: 'clock_skew' }

/**
 * What a person presents to a factor: a typed code (TOTP, recovery code, email code), or a
 * passkey assertion (the browser's AuthenticationResponseJSON object, checked by the verifier).
 */
export type FactorInput = { code: string } | { assertion: Record<string, unknown> }

/** The small interface the MFA challenge and the step-up consume; every second factor implements it. */
export interface Factor {
  readonly method: MfaMethod
  isEnrolled(userId: string): Promise<boolean>
  /** `challengeId` names the challenge being completed, for factors bound to one (email codes, passkey ceremonies). */
  verify(userId: string, input: FactorInput, challengeId?: string): Promise<FactorResult>
}

/** The code of a code input, or null for an assertion. */
export const codeOf = (input: FactorInput): string | null => ('code' in input ? input.code : null)

/**
 * `/mfa/verify` carries every method in `code`; a passkey's assertion arrives there as JSON text
 * and is read once, here, at the edge. Anything that is not a JSON object is no assertion.
 */
export function factorInputOf(method: MfaMethod, code: string): FactorInput {
  if (method !== 'webauthn') return { code }
  try {
    const parsed: unknown = JSON.parse(code)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { assertion: parsed as Record<string, unknown> }
  } catch {}
  return { assertion: {} }
}
