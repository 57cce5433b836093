import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node'
import { generateSync, verifySync } from 'otplib'

const crypto = new NodeCryptoPlugin()

export const TOTP_PERIOD_SECONDS = 30
export const TOTP_DIGITS = 6
// RFC 6238 §5.2 allows for clock drift, so the previous and next steps are accepted.
const ACCEPTED_STEPS = 1
// Further off than that the code is still refused, but the person is told to fix the device clock.
const SKEW_STEPS = 10

export type TotpMatch = { step: number } | { skew: true } | null

/**
 * Returns the time step a code belongs to, so the caller can refuse a replay; `{skew}` when it
 * matches only a step 2–10 periods away; null otherwise.
 */
export function matchTotpStep(secret: Uint8Array, code: string, unixSeconds: number): TotpMatch {
  if (!/^\d{6}$/.test(code)) return null
  const options = { secret, token: code, epoch: unixSeconds, period: TOTP_PERIOD_SECONDS, digits: TOTP_DIGITS, crypto } as const
  const near = verifySync({ ...options, epochTolerance: ACCEPTED_STEPS * TOTP_PERIOD_SECONDS })
  if (near.valid) return { step: Math.floor(unixSeconds / TOTP_PERIOD_SECONDS) + near.delta }
  const far = verifySync({ ...options, epochTolerance: SKEW_STEPS * TOTP_PERIOD_SECONDS })
  return far.valid ? { skew: true } : null
}

export interface OtpParameters {
  algorithm?: 'sha1' | 'sha256' | 'sha512'
  digits?: 6 | 7 | 8
}

/** The TOTP code of an instant (RFC 6238 §4.2); SHA-1 and six digits unless told otherwise. */
/** Apps show "123 456" and people type what they see: every kind of space is dropped. */
export const withoutSpaces = (code: string) => code.replace(/\s+/g, '')

export function totpCodeAt(secret: Uint8Array, unixSeconds: number, { algorithm = 'sha1', digits = TOTP_DIGITS }: OtpParameters = {}): string {
  return generateSync({ secret, epoch: unixSeconds, period: TOTP_PERIOD_SECONDS, digits, algorithm, crypto })
}

/** The HOTP code of a counter (RFC 4226 §5.3). */
export function hotpCode(secret: Uint8Array, counter: number, { algorithm = 'sha1', digits = TOTP_DIGITS }: OtpParameters = {}): string {
  return generateSync({ strategy: 'hotp', secret, counter, digits, algorithm, crypto })
}
