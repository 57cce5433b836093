import { hash } from '@node-rs/argon2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../../test/support/dialects.js'
import { createTestAuth, STRONG_PASSWORD, type TestAuth } from '../../test/support/test-auth.js'
import { ARGON2_PARAMS, hashPassword, needsRehash, verifyDummyPassword, verifyPassword } from './password.js'

const ARGON2ID = 2
const ARGON2I = 1
const CURRENT_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$'

describe('hashPassword', () => {
  it('hashes with argon2id at m=19456, t=2, p=1', async () => {
    const stored = await hashPassword('a fine passphrase')
    expect(stored.startsWith(CURRENT_PREFIX)).toBe(true)
    expect(stored).not.toContain('a fine passphrase')
  })

  it('salts every hash', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'))
  })
})

describe('verifyPassword', () => {
  it('accepts the right password and refuses any other', async () => {
    const stored = await hashPassword('a fine passphrase')
    expect(await verifyPassword(stored, 'a fine passphrase')).toBe(true)
    expect(await verifyPassword(stored, 'a fine passphrasE')).toBe(false)
    expect(await verifyPassword(stored, 'a fine passphras')).toBe(false)
    expect(await verifyPassword(stored, '')).toBe(false)
  })

  it('accepts a hash made with older parameters', async () => {
    const weak = await hash('old password', { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 1, parallelism: 1 })
    expect(await verifyPassword(weak, 'old password')).toBe(true)
  })

  it('treats a malformed hash as a mismatch instead of throwing', async () => {
    for (const bad of ['', 'not a hash', '$argon2id$v=19$m=19456,t=2,p=1$', '$2b$10$abcdefghijklmnopqrstuv']) {
      expect(await verifyPassword(bad, 'anything')).toBe(false)
    }
  })

  it('checks the dummy hash without throwing', async () => {
    await expect(verifyDummyPassword('whatever')).resolves.toBeUndefined()
  })
})

describe('needsRehash', () => {
  it('is false for a hash with the current parameters', async () => {
    expect(needsRehash(await hashPassword('x'))).toBe(false)
  })

  it('is true for any other parameters, algorithm or format', async () => {
    const weaker = [
      { ...ARGON2_PARAMS, memoryCost: 4096 },
      { ...ARGON2_PARAMS, timeCost: 1 },
      { ...ARGON2_PARAMS, parallelism: 2 },
      { ...ARGON2_PARAMS, algorithm: ARGON2I },
    ]
    for (const params of weaker) expect(needsRehash(await hash('x', params))).toBe(true)
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX')).toBe(true)
    expect(needsRehash('')).toBe(true)
  })
})

describe.each(dialects)('$name: rehash on sign-in', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  async function storedHash(userId: string): Promise<string> {
    const row = await t.store.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow()
    return row.password_hash as string
  }

  async function weakenHash(userId: string): Promise<string> {
    const weak = await hash(STRONG_PASSWORD, { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 1, parallelism: 1 })
    await t.store.db.updateTable('users').set({ password_hash: weak }).where('id', '=', userId).execute()
    return weak
  }

  it('stores new passwords with the current parameters', async () => {
    const { user } = await t.signUp()
    expect((await storedHash(user.id)).startsWith(CURRENT_PREFIX)).toBe(true)
  })

  it('rehashes a hash with weaker parameters on a successful sign-in', async () => {
    const { user, email } = await t.signUp()
    const weak = await weakenHash(user.id)
    const response = await t.signIn(email)
    expect(response.status).toBe(200)
    const after = await storedHash(user.id)
    expect(after).not.toBe(weak)
    expect(after.startsWith(CURRENT_PREFIX)).toBe(true)
    expect((await t.signIn(email)).status).toBe(200)
    expect(await storedHash(user.id)).toBe(after)
  })

  it('leaves a weak hash alone after a wrong password', async () => {
    const { user, email } = await t.signUp()
    const weak = await weakenHash(user.id)
    const response = await t.signIn(email, 'not the password at all')
    expect(response.status).toBe(401)
    expect(response.body.error.code).toBe('invalid_credentials')
    expect(await storedHash(user.id)).toBe(weak)
  })
})
