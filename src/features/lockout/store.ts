import { sql } from 'kysely'
import type { Store } from '../../store/store.js'

export interface CounterState {
  count: number
  windowStartedAt: number
  lockedUntil: number | null
}

/**
 * Counts one event against `key` in a fixed window, in one atomic upsert, and sets the lock in
 * the same statement when the count reaches `lockAt` (never, for 0); processes sharing a
 * database share the counter.
 */
export async function incrementCounter(store: Store, key: string, nowMs: number, windowMs: number, lockAt: number, lockMs: number): Promise<CounterState> {
  const windowStart = nowMs - windowMs
  const fresh = sql<boolean>`rate_limits.window_started_at <= ${windowStart}`
  const nextCount = sql<number>`CASE WHEN ${fresh} THEN 1 ELSE rate_limits.count + 1 END`
  const row = await store.db
    .insertInto('rate_limits')
    .values({ key, count: 1, window_started_at: nowMs, locked_until: lockAt === 1 ? nowMs + lockMs : null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: nextCount,
        window_started_at: sql<number>`CASE WHEN ${fresh} THEN ${nowMs} ELSE rate_limits.window_started_at END`,
        locked_until: sql<number>`CASE WHEN ${nextCount} = ${lockAt} THEN ${nowMs + lockMs} ELSE rate_limits.locked_until END`,
      }),
    )
    .returning(['count', 'window_started_at', 'locked_until'])
    .executeTakeFirstOrThrow()
  return { count: Number(row.count), windowStartedAt: Number(row.window_started_at), lockedUntil: row.locked_until === null ? null : Number(row.locked_until) }
}

/**
 * Locks `key` until `untilMs` when its count has reached `lockAt` and no lock is running, in one
 * conditional write; true for the one caller that set the lock, so it is audited once.
 */
export async function lockWhenReached(store: Store, key: string, lockAt: number, nowMs: number, untilMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('rate_limits')
    .set({ locked_until: untilMs })
    .where('key', '=', key)
    .where('count', '>=', lockAt)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', nowMs)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function readLocks(store: Store, keys: string[]): Promise<number[]> {
  const rows = await store.db.selectFrom('rate_limits').select('locked_until').where('key', 'in', keys).where('locked_until', 'is not', null).execute()
  return rows.map((row) => Number(row.locked_until))
}

export async function deleteCounters(store: Store, keys: string[]): Promise<number> {
  const result = await store.db.deleteFrom('rate_limits').where('key', 'in', keys).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Gives one counted event back (never below zero). */
export async function decrementCounter(store: Store, key: string): Promise<void> {
  await store.db
    .updateTable('rate_limits')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', key)
    .where('count', '>', 0)
    .execute()
}

/**
 * Clears a lock whose time is up, in one conditional write, so of several requests that see it
 * expired exactly one learns that it ended (and audits it). True for that one.
 */
export async function clearExpiredLock(store: Store, key: string, nowMs: number): Promise<boolean> {
  const result = await store.db
    .updateTable('rate_limits')
    .set({ locked_until: null })
    .where('key', '=', key)
    .where('locked_until', 'is not', null)
    .where('locked_until', '<=', nowMs)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * Deletes the counter of `key` when it holds failures or a lock; true when it did. A counter left
 * at zero by tries that were given back (right passwords) is nothing to lift.
 */
export async function deleteCounting(store: Store, key: string): Promise<boolean> {
  const result = await store.db
    .deleteFrom('rate_limits')
    .where('key', '=', key)
    .where((eb) => eb.or([eb('count', '>', 0), eb('locked_until', 'is not', null)]))
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
