import { describe, expect, it } from 'vitest'
import { matchTotpStep, totpCodeAt } from '../../src/features/totp/index.js'

// RFC 6238 Appendix B: the seed is the ASCII string repeated to the hash's block length.
const seed = (text: string, bytes: number) => new TextEncoder().encode(text.repeat(Math.ceil(bytes / text.length)).slice(0, bytes))
const SHA1 = seed('12345678901234567890', 20)
const SHA256 = seed('12345678901234567890', 32)
const SHA512 = seed('1234567890', 64)

const VECTORS = [
  { time: 59, sha1: '94287082', sha256: '46119246', sha512: '90693936' },
  { time: 1111111109, sha1: '07081804', sha256: '68084774', sha512: '25091201' },
  { time: 1111111111, sha1: '14050471', sha256: '67062674', sha512: '99943326' },
  { time: 1234567890, sha1: '89005924', sha256: '91819424', sha512: '93441116' },
  { time: 2000000000, sha1: '69279037', sha256: '90698825', sha512: '38618901' },
  { time: 20000000000, sha1: '65353130', sha256: '77737706', sha512: '47863826' },
]

describe('RFC 6238 Appendix B: TOTP test values (eight digits)', () => {
  it.each(VECTORS)('matches SHA-1, SHA-256 and SHA-512 at T=$time', ({ time, sha1, sha256, sha512 }) => {
    expect(totpCodeAt(SHA1, time, { algorithm: 'sha1', digits: 8 })).toBe(sha1)
    expect(totpCodeAt(SHA256, time, { algorithm: 'sha256', digits: 8 })).toBe(sha256)
    expect(totpCodeAt(SHA512, time, { algorithm: 'sha512', digits: 8 })).toBe(sha512)
  })
})

// A six-digit code is the same truncated value mod 10^6 (RFC 4226 §5.3): the last six digits.
describe('RFC 6238 Appendix B through matchTotpStep (SHA-1, six digits)', () => {
  it.each(VECTORS)('finds step floor(T/30) for the code at T=$time', ({ time, sha1 }) => {
    expect(matchTotpStep(SHA1, sha1.slice(2), time)).toEqual({ step: Math.floor(time / 30) })
  })
})
