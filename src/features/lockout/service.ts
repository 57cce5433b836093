import type { Clock } from '../../clock.js'
import { PortcullisError } from '../../errors.js'
import type { Store } from '../../store/store.js'
import { clearExpiredLock, decrementCounter, deleteCounters, incrementCounter, readLocks } from './store.js'

export interface LockoutDeps {
  store: Store
  clock: Clock
  options: { lockoutThreshold: number; lockoutMinutes: number }
}

// Keys are namespaced by what they count; an email key counts known and unknown emails alike.
const passwordEmailKey = (email: string) => `pw:email:${email}`
const passwordAddressKey = (ip: string) => `pw:ip:${ip}`
const codeUserKey = (userId: string) => `code:user:${userId}`

export function createLockoutService(deps: LockoutDeps) {
  const windowMs = deps.options.lockoutMinutes * 60_000
  const threshold = deps.options.lockoutThreshold
  // An address is shared by many people (NAT, offices), so it gets a wider budget than one account.
  const addressThreshold = threshold * 4
  // Second-factor codes have their own budget, apart from passwords: see DESIGN.md.
  const codeThreshold = threshold * 2

  function now(): number {
    return deps.clock.now().getTime()
  }

  async function throwIfLocked(keys: string[], message: string): Promise<void> {
    const current = now()
    const until = Math.max(0, ...(await readLocks(deps.store, keys)))
    if (until > current) {
      throw new PortcullisError('too_many_requests', message, { retryAfterSeconds: Math.ceil((until - current) / 1000) })
    }
  }

  /** @throws too_many_requests while the email or the client address is locked. */
  async function assertPasswordAllowed(email: string, ip: string | null): Promise<void> {
    const keys = ip ? [passwordEmailKey(email), passwordAddressKey(ip)] : [passwordEmailKey(email)]
    await throwIfLocked(keys, 'Too many failed sign-in attempts; try again later')
  }

  /** Counts a wrong password; returns when the lock this failure set ends, or null when it set none. */
  async function recordPasswordFailure(email: string, ip: string | null): Promise<Date | null> {
    if (ip) await incrementCounter(deps.store, passwordAddressKey(ip), now(), windowMs, addressThreshold, windowMs)
    const state = await incrementCounter(deps.store, passwordEmailKey(email), now(), windowMs, threshold, windowMs)
    return state.count === threshold ? new Date(now() + windowMs) : null
  }

  /** A successful sign-in clears the email's counter (not the address's: one good account must not launder an address). */
  async function resetPasswordFailures(email: string): Promise<void> {
    await deleteCounters(deps.store, [passwordEmailKey(email)])
  }

  /**
   * The rate limiter: counts one use of `key` in a fixed window in one atomic write, before the
   * work it guards is done, so a concurrent burst gets no more than `limit` through.
   * @throws too_many_requests past `limit` uses per window, with the seconds left in it.
   */
  async function take(key: string, limit: number, windowMsOfKey: number, message: string): Promise<{ count: number; windowEndsAt: Date }> {
    const current = now()
    const state = await incrementCounter(deps.store, key, current, windowMsOfKey, 0, 0)
    const windowEndsAt = state.windowStartedAt + windowMsOfKey
    if (state.count > limit) {
      throw new PortcullisError('too_many_requests', message, { retryAfterSeconds: Math.max(1, Math.ceil((windowEndsAt - current) / 1000)) })
    }
    return { count: state.count, windowEndsAt: new Date(windowEndsAt) }
  }

  /**
   * Takes one try from the user's second-factor budget (the rate limiter, keyed by user) before a
   * code is compared: checking first and counting after a wrong answer would let a concurrent
   * burst compare every code it carries. `lastTry` is true when a wrong answer to this try spends
   * the budget.
   * @throws too_many_requests once the budget is spent, for right and wrong codes alike
   */
  async function takeCodeTry(userId: string): Promise<{ lastTry: boolean; windowEndsAt: Date }> {
    const taken = await take(codeUserKey(userId), codeThreshold, windowMs, 'Too many wrong codes; try again later')
    return { lastTry: taken.count === codeThreshold, windowEndsAt: taken.windowEndsAt }
  }

  /** A right code gives its try back: only wrong codes spend the budget. */
  async function returnCodeTry(userId: string): Promise<void> {
    await decrementCounter(deps.store, codeUserKey(userId))
  }

  /**
   * Counts one use of a rate-limited action (e.g. sending a code).
   * @throws too_many_requests past `limit` uses per window.
   */
  async function consume(key: string, limit: number, windowSeconds: number): Promise<void> {
    await take(`rate:${key}`, limit, windowSeconds * 1000, 'Too many requests; try again later')
  }

  /** True while password sign-in for this email is locked. */
  async function isLocked(email: string): Promise<boolean> {
    return (await readLocks(deps.store, [passwordEmailKey(email)])).some((until) => until > now())
  }

  /** Lifts the password lock of an email and, given the user id, the second-factor lock; true if anything was lifted. */
  async function unlock(email: string, userId?: string): Promise<boolean> {
    const keys = userId ? [passwordEmailKey(email), codeUserKey(userId)] : [passwordEmailKey(email)]
    return (await deleteCounters(deps.store, keys)) > 0
  }

  /** When the password lock of an email ends, or null when it is not locked. */
  async function lockedUntil(email: string): Promise<Date | null> {
    const until = Math.max(0, ...(await readLocks(deps.store, [passwordEmailKey(email)])))
    return until > now() ? new Date(until) : null
  }

  /** Lifts the lock (and the count) of a client address; true if there was one. */
  async function unlockAddress(ip: string): Promise<boolean> {
    return (await deleteCounters(deps.store, [passwordAddressKey(ip)])) > 0
  }

  /** True once, for the first request that finds the email's password lock over (DESIGN.md: a lock's end is audited). */
  const endExpiredLock = (email: string) => clearExpiredLock(deps.store, passwordEmailKey(email), now())

  return {
    endExpiredLock,
    lockedUntil,
    unlockAddress,
    assertPasswordAllowed,
    recordPasswordFailure,
    resetPasswordFailures,
    takeCodeTry,
    returnCodeTry,
    consume,
    isLocked,
    unlock,
    /** Counts a password failure for an email, as the HTTP sign-in does; true when it locked the email. */
    recordFailure: async (email: string, ip: string | null = null) => (await recordPasswordFailure(email, ip)) !== null,
  }
}

export type LockoutService = ReturnType<typeof createLockoutService>
