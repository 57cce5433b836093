import type { CompiledQuery, InferResult } from 'kysely'
import type { SessionChanges } from '../../store/change-feed.js'
import type { SessionRow, UserRow } from '../../store/database.js'
import { mfaEnabledExpression } from '../../store/mfa-enabled.js'
import type { Executor, Store } from '../../store/store.js'
import { SESSION_TABLES, SessionLookupCache } from './lookup-cache.js'
import { SharedLookupCache } from './shared-lookup-cache.js'

export type SessionWithUser = SessionRow & { user: UserRow & { mfa_enabled: boolean } }

export async function insertSession(db: Executor, row: SessionRow & { methods?: string | null }): Promise<void> {
  await db.insertInto('sessions').values(row).execute()
}

/** Records a completed second factor (a step-up) on a live session. */
export async function markSessionMfa(store: Store, id: string, nowMs: number): Promise<boolean> {
  const result = await store.db.updateTable('sessions').set({ mfa_at: nowMs }).where('id', '=', id).executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function findSessionMethods(store: Store, id: string): Promise<string | null> {
  const row = await store.db.selectFrom('sessions').select('methods').where('id', '=', id).executeTakeFirst()
  return row?.methods ?? null
}

/** The hot path: one indexed read returns the session, its user and whether MFA is on. */
function lookupQuery(store: Store, tokenHash: string) {
  return store.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.token_hash',
      'sessions.user_id',
      'sessions.aal',
      'sessions.mfa_at',
      'sessions.trusted_device',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.ip',
      'sessions.user_agent',
      'users.email',
      'users.name',
      'users.password_hash',
      'users.email_verified_at',
      'users.created_at as user_created_at',
      'users.updated_at as user_updated_at',
      'users.disabled_at',
      mfaEnabledExpression,
    ])
    .where('sessions.token_hash', '=', tokenHash)
}

type LookupRow = InferResult<ReturnType<typeof lookupQuery>>[number]

// Every request of an app checks its session, and building and compiling this query in Kysely
// costs more CPU than SQLite's indexed read of it; the SQL is the same each time, so it is
// compiled once per store and run with the token hash bound where the placeholder was.
const TOKEN_HASH_PLACEHOLDER = '\u0000token_hash\u0000'
const compiledLookups = new WeakMap<Store, CompiledQuery<LookupRow>>()

// About 1 KiB each: the cache stays within a few MiB however many sessions there are.
const LOOKUP_CACHE_ENTRIES = 10_000
const lookupCaches = new WeakMap<Store, SessionLookupCache<SessionWithUser>>()

function lookupCacheOf(store: Store): SessionLookupCache<SessionWithUser> {
  let cache = lookupCaches.get(store)
  if (!cache) {
    cache = new SessionLookupCache(LOOKUP_CACHE_ENTRIES)
    lookupCaches.set(store, cache)
  }
  return cache
}

/**
 * The staleness bound on PostgreSQL: a check answered from memory reflects every change committed
 * this long before it, from any process, even if its notification never arrives. Notified
 * changes are dropped sooner: as soon as the NOTIFY is delivered (test/flows/two-processes.test.ts).
 */
export const SHARED_CACHE_MAX_AGE_MS = 1_000
const sharedCaches = new WeakMap<Store, SharedLookupCache<SessionWithUser>>()

function sharedCacheOf(store: Store, changes: SessionChanges): SharedLookupCache<SessionWithUser> {
  let cache = sharedCaches.get(store)
  if (!cache) {
    const created = new SharedLookupCache<SessionWithUser>(LOOKUP_CACHE_ENTRIES, SHARED_CACHE_MAX_AGE_MS)
    changes.subscribe((userId) => (userId === null ? created.clear() : created.dropUser(userId)))
    sharedCaches.set(store, created)
    cache = created
  }
  return cache
}

/** A copy, so no caller can change what the cache holds. */
const copyOf = (row: SessionWithUser): SessionWithUser => ({ ...row, user: { ...row.user } })

/**
 * The session a token hash names, with its user. A cached answer is given only when `usable`
 * accepts it: the caller refuses one it would act on by writing (an expiry, a touch), whose
 * decision must rest on the database's row, not a copy another process may have moved on.
 */
export async function findSessionByTokenHash(
  store: Store,
  tokenHash: string,
  usable: (row: SessionWithUser) => boolean = () => true,
): Promise<SessionWithUser | undefined> {
  if (store.sessionChanges) return findShared(store, store.sessionChanges, tokenHash, usable)
  const stamp = store.changeStamp(SESSION_TABLES)
  if (stamp !== null) {
    const cached = lookupCacheOf(store).get(tokenHash, stamp)
    if (cached && usable(cached)) return copyOf(cached)
  }
  const row = await readSession(store, tokenHash)
  if (row && stamp !== null) lookupCacheOf(store).set(tokenHash, copyOf(row), stamp)
  return row
}

async function findShared(
  store: Store,
  changes: SessionChanges,
  tokenHash: string,
  usable: (row: SessionWithUser) => boolean,
): Promise<SessionWithUser | undefined> {
  const cache = sharedCacheOf(store, changes)
  if (changes.trusted) {
    const cached = cache.get(tokenHash)
    if (cached && usable(cached)) return copyOf(cached)
  }
  // Kept only if the listener was subscribed throughout and no change was reported meanwhile:
  // a read that overlapped a change may hold the state before it.
  const trusted = changes.trusted
  const generation = changes.generation
  const readAt = cache.clock()
  const row = await readSession(store, tokenHash)
  if (row && trusted && changes.trusted && changes.generation === generation) cache.set(tokenHash, copyOf(row), readAt)
  return row
}

async function readSession(store: Store, tokenHash: string): Promise<SessionWithUser | undefined> {
  let compiled = compiledLookups.get(store)
  if (!compiled) {
    compiled = lookupQuery(store, TOKEN_HASH_PLACEHOLDER).compile()
    compiledLookups.set(store, compiled)
  }
  const parameters = compiled.parameters.map((value) => (value === TOKEN_HASH_PLACEHOLDER ? tokenHash : value))
  const row = (await store.db.executeQuery<LookupRow>({ ...compiled, parameters })).rows[0]
  if (!row) return undefined
  const { email, name, password_hash, email_verified_at, user_created_at, user_updated_at, disabled_at, mfa_enabled, ...session } = row
  return {
    ...session,
    user: {
      id: session.user_id,
      email,
      name,
      password_hash,
      email_verified_at,
      created_at: user_created_at,
      updated_at: user_updated_at,
      disabled_at,
      mfa_enabled: Boolean(mfa_enabled),
    },
  }
}

/** Moves a session's idle window on. Only its last-seen time changes, so cached checks stay valid. */
export async function touchSession(store: Store, tokenHash: string, id: string, nowMs: number): Promise<void> {
  const before = store.changeStamp(SESSION_TABLES)
  await store.db.updateTable('sessions').set({ last_seen_at: nowMs }).where('id', '=', id).execute()
  if (store.sessionChanges) {
    sharedCaches.get(store)?.update(tokenHash, (entry) => {
      entry.last_seen_at = nowMs
    })
    return
  }
  const after = store.changeStamp(SESSION_TABLES)
  if (before === null || after === null) return
  lookupCacheOf(store).carryOver(before, after, (entries) => {
    const entry = entries.get(tokenHash)
    if (entry) entry.last_seen_at = nowMs
  })
}

export function listUserSessions(store: Store, userId: string, liveAfterMs: number, idleMs: number): Promise<SessionRow[]> {
  return store.db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', liveAfterMs)
    .where('last_seen_at', '>', liveAfterMs - idleMs)
    .orderBy('created_at', 'desc')
    .execute()
}

export async function deleteSession(store: Store, userId: string, id: string): Promise<boolean> {
  const result = await store.db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}

export async function deleteSessionsExcept(store: Store, userId: string, keepId: string): Promise<number> {
  const result = await store.db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '!=', keepId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function deleteUserSessions(store: Store, userId: string): Promise<number> {
  const result = await store.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
