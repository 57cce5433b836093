import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashToken, safeEqual } from './token.js'

describe('hashToken', () => {
  it('is the base64url SHA-256 of the token', () => {
    expect(hashToken('abc')).toBe(createHash('sha256').update('abc').digest('base64url'))
    expect(hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0')
  })

  it('never returns the token itself and differs for different tokens', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        expect(hashToken(a)).not.toBe(a)
        if (a !== b) expect(hashToken(a)).not.toBe(hashToken(b))
      }),
    )
  })
})

describe('safeEqual', () => {
  it('is true for equal strings', () => {
    expect(safeEqual('same-value', 'same-value')).toBe(true)
    expect(safeEqual('', '')).toBe(true)
  })

  it('is false for strings of unequal length without throwing', () => {
    expect(safeEqual('short', 'a much longer value')).toBe(false)
    expect(safeEqual('', 'x')).toBe(false)
    expect(safeEqual('abc', 'abcd')).toBe(false)
  })

  it('is false when one character differs', () => {
    expect(safeEqual('abcdef', 'abcdeg')).toBe(false)
    expect(safeEqual('Abcdef', 'abcdef')).toBe(false)
  })

  it('agrees with === for any pair of strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(safeEqual(a, b)).toBe(a === b)
        expect(safeEqual(a, a)).toBe(true)
      }),
    )
  })
})
