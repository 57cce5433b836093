import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_RANDOM_BYTES } from './code-format.js'

const SYMBOLS = '0123456789abcdefghjkmnpqrstvwxyz'
const SHOWN = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/
const tenBytes = fc.uint8Array({ minLength: RECOVERY_CODE_RANDOM_BYTES, maxLength: RECOVERY_CODE_RANDOM_BYTES })

describe('normalizeRecoveryCode', () => {
  it('ignores case, spaces and dashes', () => {
    for (const input of ['abcde-fghjk', 'ABCDE-FGHJK', 'abcdefghjk', ' Abcde fghJK ', 'ab-cd-ef-gh-jk', 'abcde\t-\tfghjk', 'abcde\u00a0fghjk']) {
      expect(normalizeRecoveryCode(input)).toBe('abcdefghjk')
    }
  })

  it('folds look-alikes: i and l read as 1, o as 0', () => {
    expect(normalizeRecoveryCode('IiLlO-oabcd')).toBe('111100abcd')
    expect(normalizeRecoveryCode('0o0O0-1iIlL')).toBe('0000011111')
  })

  it('refuses input that cannot be a code', () => {
    for (const input of ['', 'abcde', 'abcde-fghjkm', 'abcde-fghju', 'abcde-fghj!', "abcde'-- or", 'ａｂｃｄｅ-ｆｇｈｊｋ', 'abcde-fghjk\u0301']) {
      expect(normalizeRecoveryCode(input)).toBeNull()
    }
  })
})

describe('formatRecoveryCode', () => {
  it('shows ten bytes as xxxxx-xxxxx from the 32 symbols, reaching each of them', () => {
    const seen = new Set<string>()
    for (let byte = 0; byte < 256; byte++) {
      const code = formatRecoveryCode(new Uint8Array(RECOVERY_CODE_RANDOM_BYTES).fill(byte))
      expect(code).toMatch(SHOWN)
      seen.add(code[0] as string)
    }
    expect([...seen].sort().join('')).toBe(SYMBOLS)
  })

  it('carries 50 bits: codes differ whenever the low five bits of any byte differ', () => {
    fc.assert(
      fc.property(tenBytes, tenBytes, (a, b) => {
        const sameBits = a.every((byte, index) => (byte & 31) === ((b[index] as number) & 31))
        return (formatRecoveryCode(a) === formatRecoveryCode(b)) === sameBits
      }),
    )
    expect(RECOVERY_CODE_RANDOM_BYTES * Math.log2(SYMBOLS.length)).toBe(50)
  })

  it('gives, for any ten random bytes, a code that normalizes back to itself', () => {
    fc.assert(
      fc.property(tenBytes, (bytes) => {
        const code = formatRecoveryCode(bytes)
        const canonical = code.replace('-', '')
        return (
          SHOWN.test(code) &&
          normalizeRecoveryCode(code) === canonical &&
          normalizeRecoveryCode(code.toUpperCase()) === canonical &&
          normalizeRecoveryCode(code.replace('-', ' ')) === canonical &&
          normalizeRecoveryCode(canonical) === canonical
        )
      }),
    )
  })
})
