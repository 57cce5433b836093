import { describe, expect, it } from 'vitest'
import { matchTotpStep, totpCodeAt } from './code-match.js'

const secret = new TextEncoder().encode('12345678901234567890')
const now = 1_700_000_000
const stepNow = Math.floor(now / 30)

describe('matchTotpStep', () => {
  it('accepts the previous, current and next step and says which matched', () => {
    for (const offset of [-1, 0, 1]) {
      expect(matchTotpStep(secret, totpCodeAt(secret, now + offset * 30), now)).toEqual({ step: stepNow + offset })
    }
  })

  it('reports clock skew for a code two to ten steps away, without accepting it', () => {
    for (const offset of [-10, -2, 2, 10]) {
      expect(matchTotpStep(secret, totpCodeAt(secret, now + offset * 30), now)).toEqual({ skew: true })
    }
  })

  it('refuses a code further away than ten steps', () => {
    expect(matchTotpStep(secret, totpCodeAt(secret, now + 11 * 30), now)).toBeNull()
    expect(matchTotpStep(secret, totpCodeAt(secret, now - 40 * 30), now)).toBeNull()
  })

  it('refuses anything but six digits', () => {
    const code = totpCodeAt(secret, now)
    for (const input of ['', '12345', '1234567', `${code} `, 'abcdef', '１２３４５６']) expect(matchTotpStep(secret, input, now)).toBeNull()
  })
})
