import { describe, expect, it } from 'vitest'
import { hotpCode } from '../../src/features/totp/index.js'

// RFC 4226 Appendix D: secret "12345678901234567890", HMAC-SHA-1, six digits, counters 0–9.
const SECRET = new TextEncoder().encode('12345678901234567890')
const EXPECTED = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']

describe('RFC 4226 Appendix D: HOTP test values', () => {
  it.each(EXPECTED.map((code, counter) => ({ counter, code })))('gives $code for counter $counter', ({ counter, code }) => {
    expect(hotpCode(SECRET, counter)).toBe(code)
  })
})
