import { performance } from 'node:perf_hooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { createTestAuth, type TestAuth, type TestResponse } from '../support/test-auth.js'

const WRONG = 'not the password of anyone'
const TRIES = 8

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

describe.each(dialects)('$name: account enumeration at sign-in', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    // A high threshold keeps the lockout out of the way: this suite compares the plain answers.
    t = await createTestAuth(dialect, { lockoutThreshold: 100 })
  })
  afterEach(async () => {
    await t.close()
  })

  async function timed(email: string): Promise<{ ms: number; response: TestResponse }> {
    const start = performance.now()
    const response = await t.signIn(email, WRONG)
    return { ms: performance.now() - start, response }
  }

  it('answers an unknown email and a wrong password with the same status and body', async () => {
    const { email } = await t.signUp()
    const known = await t.signIn(email, WRONG)
    const unknown = await t.signIn('nobody-here@example.com', WRONG)
    expect(known.status).toBe(401)
    expect(unknown.status).toBe(known.status)
    expect(unknown.body).toEqual(known.body)
    expect([...unknown.headers.keys()].sort()).toEqual([...known.headers.keys()].sort())
  })

  it('answers them in about the same time (medians within a factor of 2)', async () => {
    const { email } = await t.signUp()
    await timed(email)
    await timed('warm-up@example.com')
    const knownMs: number[] = []
    const unknownMs: number[] = []
    // Known and unknown alternate A-B-B-A, so a change in machine load hits both sides alike.
    for (let i = 0; i < TRIES; i++) {
      const sides = [
        { email, times: knownMs },
        { email: `nobody${i}@example.com`, times: unknownMs },
      ]
      for (const side of i % 2 === 0 ? sides : sides.reverse()) {
        const { ms, response } = await timed(side.email)
        expect(response.status).toBe(401)
        side.times.push(ms)
      }
    }
    const ratio = median(knownMs) / median(unknownMs)
    expect(ratio, `known ${median(knownMs).toFixed(1)} ms, unknown ${median(unknownMs).toFixed(1)} ms`).toBeGreaterThan(0.5)
    expect(ratio).toBeLessThan(2)
  })

  it('answers an email with no password set like any other failure', async () => {
    const { email, user } = await t.signUp()
    await t.store.db.updateTable('users').set({ password_hash: null }).where('id', '=', user.id).execute()
    const passwordless = await t.signIn(email, WRONG)
    const unknown = await t.signIn('nobody-here@example.com', WRONG)
    expect(passwordless.status).toBe(401)
    expect(passwordless.body).toEqual(unknown.body)
  })
})
