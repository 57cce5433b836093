import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { hashToken } from '../../src/crypto/token.js'
import { findSessionByTokenHash, SHARED_CACHE_MAX_AGE_MS } from '../../src/features/sessions/store.js'
import { LISTENER_NAME } from '../../src/store/change-feed.js'
import type { Store } from '../../src/store/store.js'
import { dialects } from '../support/dialects.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

// On PostgreSQL each process caches session checks and drops them when another process's
// change is NOTIFYed (src/store/change-feed.ts). Here the API's own store is one "process" and
// TestAuth's second store, reading sessions directly, is the other. These tests measure real
// propagation, so they wait in real time (at most the one-second bound).

const postgres = dialects.find((dialect) => dialect.name === 'postgres')
vi.setConfig({ testTimeout: 30_000 })

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<number> {
  const started = performance.now()
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return performance.now() - started
}

describe.runIf(postgres)('postgres: session checks cached across processes', () => {
  let t: TestAuth
  let other: Store
  let raw: pg.Client
  let schema: string
  beforeEach(async () => {
    t = await createTestAuth(postgres as NonNullable<typeof postgres>)
    other = t.store
    raw = new pg.Client({ connectionString: t.auth.options.databaseUrl })
    await raw.connect()
    schema = (await raw.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema as string
  })
  afterEach(async () => {
    await raw.end()
    await t.close()
  })

  const find = (token: string) => findSessionByTokenHash(other, hashToken(token))
  /** Deletes the user's sessions with triggers off: a change no process is told about. */
  const deleteSilently = async (userId: string) => {
    await raw.query('BEGIN')
    await raw.query('SET LOCAL session_replication_role = replica')
    await raw.query('DELETE FROM sessions WHERE user_id = $1', [userId])
    await raw.query('COMMIT')
  }
  const listenerUp = () => other.sessionChanges?.trusted === true

  it('drops a session revoked by the other process as soon as the NOTIFY arrives', async () => {
    const { token } = await t.signUp()
    expect(await find(token)).toBeDefined()
    await until(listenerUp)
    expect(await find(token)).toBeDefined()
    const revoked = await t.request('POST', '/logout', { token })
    expect(revoked.status).toBe(204)
    const waited = await until(async () => (await find(token)) === undefined)
    console.log(`revocation seen by the other process ${waited.toFixed(1)} ms after the logout returned`)
    expect(waited).toBeLessThan(100)
  })

  it('answers from memory without a NOTIFY for at most the bound, then reads the database', async () => {
    const { token, user } = await t.signUp()
    await until(listenerUp)
    expect(await find(token)).toBeDefined()
    const readAt = performance.now()
    expect(await find(token)).toBeDefined()
    await deleteSilently(user.id)
    const deleted = performance.now()
    // The cache is really in use: the silent delete is not seen at once...
    const stale = (await find(token)) !== undefined
    // ...but never by a check that starts once the bound has passed since the read it came from.
    await until(() => performance.now() - readAt > SHARED_CACHE_MAX_AGE_MS, 3 * SHARED_CACHE_MAX_AGE_MS)
    const after = (await find(token)) === undefined
    console.log(
      `unnotified delete: answered from memory ${stale ? 'yes' : 'no'}, ${(performance.now() - deleted).toFixed(0)} ms after it: ${after ? 'refused' : 'STILL SERVED'} (bound ${SHARED_CACHE_MAX_AGE_MS} ms)`,
    )
    expect(stale).toBe(true)
    expect(after).toBe(true)
  })

  it('reads the database while its listener is lost, and caches again once it has reconnected', async () => {
    const { token, user, email } = await t.signUp()
    await until(listenerUp)
    await raw.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`${LISTENER_NAME} ${schema}`.slice(0, 63)])
    await until(() => !listenerUp())
    // Lost: the very next check after an unnotified delete reads the database.
    expect(await find(token)).toBeDefined()
    await deleteSilently(user.id)
    expect(await find(token)).toBeUndefined()
    // Back (with backoff, on its own), and caching again.
    const back = await until(listenerUp)
    console.log(`listener subscribed again ${back.toFixed(0)} ms after the loss was seen`)
    const fresh = await t.signIn(email)
    expect(fresh.status).toBe(200)
    expect(await find(fresh.body.token)).toBeDefined()
    await deleteSilently(user.id)
    expect(await find(fresh.body.token)).toBeDefined()
  })
})
