import type { Session } from '../features/sessions/index.js'

export const AAL1 = 'urn:portcullis:aal1'
export const AAL2 = 'urn:portcullis:aal2'

/** The `acr` of a session: its assurance level as a URN. */
export function acrOf(session: Pick<Session, 'aal'>): string {
  return session.aal === 2 ? AAL2 : AAL1
}

/** True when `acr_values` asks for a second factor (`aal2` is accepted as shorthand). */
export function wantsAal2(acrValues: string | undefined): boolean {
  return (acrValues ?? '').split(' ').some((value) => value === AAL2 || value === 'aal2')
}

// RFC 8176 §2. A passkey is a proof-of-possession key; whether its key is in hardware cannot be
// told from a synced passkey, so every WebAuthn sign-in reports hwk. Mailed codes and links are
// one-time secrets delivered on a second channel.
const METHOD_AMR: Record<string, string[]> = {
  password: ['pwd'],
  totp: ['otp'],
  recovery_code: ['otp'],
  email_otp: ['otp'],
  magic_link: ['otp'],
  webauthn: ['hwk', 'user'],
}
const MAILED = new Set(['email_otp', 'magic_link'])
const FACTORS = new Set(['password', 'totp', 'recovery_code', 'email_otp', 'magic_link', 'webauthn'])

/**
 * The RFC 8176 `amr` values of a sign-in made with these native methods, in a stable order:
 * `mfa` for two factors (or a user-verified passkey), `mca` when one of them came by mail and another did not.
 */
export function amrOf(methods: readonly string[]): string[] {
  const values = new Set(methods.flatMap((method) => METHOD_AMR[method] ?? []))
  const factors = methods.filter((method) => FACTORS.has(method))
  if (factors.length >= 2 || factors.includes('webauthn')) values.add('mfa')
  if (factors.some((method) => MAILED.has(method)) && factors.some((method) => !MAILED.has(method))) values.add('mca')
  return [...values].sort()
}
