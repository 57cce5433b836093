import { describe, expect, it } from 'vitest'
import { AAL1, AAL2, acrOf, amrOf, wantsAal2 } from './assurance.js'

describe('amrOf (RFC 8176 §2)', () => {
  it('reports a password alone as pwd', () => {
    expect(amrOf(['password'])).toEqual(['pwd'])
  })
  it('adds mfa to a password and an authenticator code', () => {
    expect(amrOf(['password', 'totp'])).toEqual(['mfa', 'otp', 'pwd'])
  })
  it('reports a passkey sign-in as a user-verified key, which is two factors', () => {
    expect(amrOf(['webauthn'])).toEqual(['hwk', 'mfa', 'user'])
  })
  it('adds mca when a mailed code joins a factor of another channel', () => {
    expect(amrOf(['password', 'email_otp'])).toEqual(['mca', 'mfa', 'otp', 'pwd'])
    expect(amrOf(['email_otp'])).toEqual(['otp'])
  })
  it('gives a trusted device no value of its own', () => {
    expect(amrOf(['password', 'trusted_device'])).toEqual(['pwd'])
  })
})

describe('acr', () => {
  it('names the session level', () => {
    expect(acrOf({ aal: 1 })).toBe(AAL1)
    expect(acrOf({ aal: 2 })).toBe(AAL2)
  })
  it('reads aal2 from acr_values in either spelling, and nothing else', () => {
    expect(wantsAal2('aal2')).toBe(true)
    expect(wantsAal2(`${AAL1} ${AAL2}`)).toBe(true)
    expect(wantsAal2(AAL1)).toBe(false)
    expect(wantsAal2(undefined)).toBe(false)
    expect(wantsAal2('aal22')).toBe(false)
  })
})
