import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sqlite } from '../../test/support/dialects.js'
import { createTestAuth, type TestAuth } from '../../test/support/test-auth.js'
import { schedulePurge } from './purge-schedule.js'

const MINUTE = 60_000

describe('schedulePurge', () => {
  let t: TestAuth
  const logger = pino({ level: 'silent' })

  beforeEach(async () => {
    // Only the schedule's own timer is faked; the database and the test fixture keep real time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    t = await createTestAuth(sqlite)
  })
  afterEach(async () => {
    vi.useRealTimers()
    await t.close()
  })

  /** The real purge, with each run's promise kept so the test can wait for it. */
  function recordedPurge() {
    const runs: Promise<number>[] = []
    const purge = () => {
      const run = t.auth.purgeExpired()
      runs.push(run)
      return run
    }
    return { purge, runs }
  }

  async function liveSessions(userId: string): Promise<number> {
    return (await t.auth.api.sessions.list(userId, null)).length
  }

  it('purges at start and then at every interval, deleting the sessions that ended meanwhile', async () => {
    const first = await t.signUp()
    t.clock.advance(61 * MINUTE)
    const { purge, runs } = recordedPurge()
    const schedule = schedulePurge(purge, 15 * MINUTE, logger)
    expect(runs).toHaveLength(1)
    expect(await runs[0]).toBeGreaterThanOrEqual(1)
    expect(await t.store.db.selectFrom('sessions').select('id').where('user_id', '=', first.user.id).execute()).toEqual([])

    const second = await t.signUp()
    expect(await liveSessions(second.user.id)).toBe(1)
    t.clock.advance(61 * MINUTE)
    vi.advanceTimersByTime(15 * MINUTE)
    expect(runs).toHaveLength(2)
    expect(await runs[1]).toBeGreaterThanOrEqual(1)
    expect(await t.store.db.selectFrom('sessions').select('id').where('user_id', '=', second.user.id).execute()).toEqual([])
    await schedule.stop()
    vi.advanceTimersByTime(60 * MINUTE)
    expect(runs).toHaveLength(2)
  })

  it('logs a failed purge, keeps the schedule and tries again at the next interval', async () => {
    const warn = vi.spyOn(logger, 'warn')
    let calls = 0
    const schedule = schedulePurge(
      async () => {
        calls++
        if (calls === 1) throw new Error('database is locked')
        return 0
      },
      MINUTE,
      logger,
    )
    await vi.waitFor(() => expect(warn).toHaveBeenCalledOnce())
    vi.advanceTimersByTime(MINUTE)
    expect(calls).toBe(2)
    await schedule.stop()
  })

  it('does not start a purge while the last one still runs', async () => {
    let release: (value: number) => void = () => {}
    let calls = 0
    const schedule = schedulePurge(
      () => {
        calls++
        return new Promise<number>((resolve) => {
          release = resolve
        })
      },
      MINUTE,
      logger,
    )
    vi.advanceTimersByTime(3 * MINUTE)
    expect(calls).toBe(1)
    release(0)
    await schedule.stop()
  })

  it('runs nothing with an interval of 0', async () => {
    let calls = 0
    const schedule = schedulePurge(
      async () => {
        calls++
        return 0
      },
      0,
      logger,
    )
    vi.advanceTimersByTime(24 * 60 * MINUTE)
    expect(calls).toBe(0)
    await schedule.stop()
  })
})
