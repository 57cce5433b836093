import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKeyring } from './keys.js'
import { open, seal } from './secretbox.js'

const OLD_SECRET = 'the-old-secret-that-was-used-before-rotation'
const NEW_SECRET = 'the-new-secret-that-replaced-the-old-one-now'
const keyring = createKeyring(NEW_SECRET)
const plaintext = new TextEncoder().encode('JBSWY3DPEHPK3PXP')

function replacePart(sealed: string, index: number, change: (part: Buffer) => Buffer): string {
  const parts = sealed.split('.')
  parts[index] = change(Buffer.from(parts[index] as string, 'base64url')).toString('base64url')
  return parts.join('.')
}

const flipFirstBit = (part: Buffer) => {
  const copy = Buffer.from(part)
  copy[0] = (copy[0] as number) ^ 1
  return copy
}

describe('seal and open', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.string(), (bytes, context) => {
        const sealed = seal(keyring, 'totp-secret', bytes, context)
        expect(open(keyring, 'totp-secret', sealed, context)?.equals(Buffer.from(bytes))).toBe(true)
      }),
      { numRuns: 50 },
    )
  })

  it('never shows the plaintext and uses a fresh IV each time', () => {
    const first = seal(keyring, 'totp-secret', plaintext, 'user-1')
    const second = seal(keyring, 'totp-secret', plaintext, 'user-1')
    expect(first).not.toBe(second)
    expect(first).not.toContain('JBSWY3DPEHPK3PXP')
    expect(first.split('.')[0]).toBe('v1')
    expect(first.split('.')[1]).toBe(keyring.keyId)
  })

  it('returns null when the ciphertext, the IV or the tag was altered', () => {
    const sealed = seal(keyring, 'totp-secret', plaintext, 'user-1')
    expect(open(keyring, 'totp-secret', replacePart(sealed, 2, flipFirstBit), 'user-1')).toBeNull()
    expect(open(keyring, 'totp-secret', replacePart(sealed, 3, flipFirstBit), 'user-1')).toBeNull()
    expect(open(keyring, 'totp-secret', replacePart(sealed, 4, flipFirstBit), 'user-1')).toBeNull()
  })

  it('returns null for a truncated authentication tag', () => {
    const sealed = seal(keyring, 'totp-secret', plaintext, 'user-1')
    for (const length of [4, 8, 12, 15]) {
      expect(
        open(
          keyring,
          'totp-secret',
          replacePart(sealed, 4, (tag) => tag.subarray(0, length)),
          'user-1',
        ),
      ).toBeNull()
    }
  })

  it('returns null for malformed input instead of throwing', () => {
    const sealed = seal(keyring, 'totp-secret', plaintext, 'user-1')
    for (const bad of ['', 'v1', 'v1.x.y', `v2${sealed.slice(2)}`, `${sealed}.extra`, sealed.replace(/\./g, ':'), '....']) {
      expect(open(keyring, 'totp-secret', bad, 'user-1')).toBeNull()
    }
  })

  it('returns null under another context (associated data)', () => {
    const sealed = seal(keyring, 'totp-secret', plaintext, 'user-1')
    expect(open(keyring, 'totp-secret', sealed, 'user-2')).toBeNull()
    expect(open(keyring, 'totp-secret', sealed, '')).toBeNull()
  })

  it('returns null under another purpose', () => {
    const sealed = seal(keyring, 'totp-secret', plaintext, 'user-1')
    expect(open(keyring, 'recovery-code', sealed, 'user-1')).toBeNull()
  })

  it('opens a value sealed under an old secret only while that secret is listed in previousSecrets', () => {
    const sealedBefore = seal(createKeyring(OLD_SECRET), 'totp-secret', plaintext, 'user-1')
    const rotated = createKeyring(NEW_SECRET, [OLD_SECRET])
    expect(open(rotated, 'totp-secret', sealedBefore, 'user-1')?.equals(Buffer.from(plaintext))).toBe(true)
    expect(open(createKeyring(NEW_SECRET), 'totp-secret', sealedBefore, 'user-1')).toBeNull()
    const sealedAfter = seal(rotated, 'totp-secret', plaintext, 'user-1')
    expect(sealedAfter.split('.')[1]).toBe(rotated.keyId)
    expect(open(createKeyring(OLD_SECRET), 'totp-secret', sealedAfter, 'user-1')).toBeNull()
  })

  it('returns null when the key id is rewritten to another known key', () => {
    const rotated = createKeyring(NEW_SECRET, [OLD_SECRET])
    const sealed = seal(rotated, 'totp-secret', plaintext, 'user-1')
    const parts = sealed.split('.')
    parts[1] = createKeyring(OLD_SECRET).keyId
    expect(open(rotated, 'totp-secret', parts.join('.'), 'user-1')).toBeNull()
  })
})
