import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../../test/support/dialects.js'
import { createTestAuth, type TestAuth } from '../../test/support/test-auth.js'
import { consumeOnce, insertToken } from './one-time-tokens.js'

describe.each(dialects)('$name: consumeOnce', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  async function token(purpose: 'magic_link' | 'password_reset', hash: string, expiresAt: number) {
    await insertToken(t.store, {
      id: `id-${hash}`,
      purpose,
      user_id: null,
      email: 'someone@example.com',
      token_hash: hash,
      challenge_id: null,
      data: null,
      attempts: 0,
      created_at: 0,
      expires_at: expiresAt,
      used_at: null,
    })
  }

  it('lets exactly one of 20 concurrent uses spend a token, and returns its row', async () => {
    await token('magic_link', 'h1', 10_000)
    const results = await Promise.all(Array.from({ length: 20 }, () => consumeOnce(t.store.db, 'magic_link', 'h1', 5_000)))
    const winners = results.filter((row) => row !== undefined)
    expect(winners).toHaveLength(1)
    expect(winners[0]).toMatchObject({ id: 'id-h1', purpose: 'magic_link', email: 'someone@example.com' })
    expect(Number(winners[0]?.used_at)).toBe(5_000)
  })

  it('spends nothing of another purpose, nor an expired token', async () => {
    await token('password_reset', 'h2', 10_000)
    expect(await consumeOnce(t.store.db, 'magic_link', 'h2', 5_000)).toBeUndefined()
    expect(await consumeOnce(t.store.db, 'password_reset', 'h2', 10_000)).toBeUndefined()
    expect(await consumeOnce(t.store.db, 'password_reset', 'h2', 9_999)).toBeDefined()
  })
})
