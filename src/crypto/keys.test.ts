import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createKeyring, type KeyPurpose } from './keys.js'

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes!'
const OTHER_SECRET = 'another-test-secret-of-at-least-32-bytes'
const PURPOSES: KeyPurpose[] = ['session-cookie', 'csrf', 'mfa-challenge', 'email-otp', 'recovery-code', 'totp-secret', 'audit-chain', 'trusted-device']

describe('createKeyring', () => {
  it('derives a different 32-byte key for every purpose', () => {
    const keyring = createKeyring(SECRET)
    const keys = PURPOSES.map((purpose) => keyring.key(purpose))
    for (const key of keys) expect(key).toHaveLength(32)
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(PURPOSES.length)
  })

  it('never uses the secret itself as a key', () => {
    const keyring = createKeyring(SECRET)
    for (const purpose of PURPOSES) expect(keyring.key(purpose).toString()).not.toContain(SECRET.slice(0, 16))
  })

  it('derives the same keys from the same secret, and other keys from another secret', () => {
    const first = createKeyring(SECRET)
    const again = createKeyring(SECRET)
    const other = createKeyring(OTHER_SECRET)
    expect(again.key('csrf').equals(first.key('csrf'))).toBe(true)
    expect(again.keyId).toBe(first.keyId)
    expect(other.key('csrf').equals(first.key('csrf'))).toBe(false)
    expect(other.keyId).not.toBe(first.keyId)
  })

  it('gives an HMAC for one purpose that does not verify for another', () => {
    const keyring = createKeyring(SECRET)
    const mac = keyring.hmac('email-otp', 'user-1:123456')
    expect(mac).toBe(keyring.hmac('email-otp', 'user-1:123456'))
    for (const purpose of PURPOSES.filter((p) => p !== 'email-otp')) {
      expect(keyring.hmac(purpose, 'user-1:123456')).not.toBe(mac)
    }
    expect(keyring.hmac('email-otp', 'user-1:123457')).not.toBe(mac)
  })

  it('computes HMAC-SHA-256 under the purpose key, base64url', () => {
    const keyring = createKeyring(SECRET)
    const expected = createHmac('sha256', keyring.key('recovery-code')).update('data').digest('base64url')
    expect(keyring.hmac('recovery-code', 'data')).toBe(expected)
  })

  it('finds the keys of previous secrets by id, and no others', () => {
    const old = createKeyring(OTHER_SECRET)
    const rotated = createKeyring(SECRET, [OTHER_SECRET])
    expect(rotated.keyId).not.toBe(old.keyId)
    expect(rotated.keyById('totp-secret', old.keyId)?.equals(old.key('totp-secret'))).toBe(true)
    expect(rotated.keyById('totp-secret', rotated.keyId)?.equals(rotated.key('totp-secret'))).toBe(true)
    expect(createKeyring(SECRET).keyById('totp-secret', old.keyId)).toBeUndefined()
    expect(rotated.keyById('totp-secret', 'deadbeef')).toBeUndefined()
  })
})
