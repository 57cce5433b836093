import type { Clock } from '../../clock.js'
import { PortcullisError } from '../../errors.js'
import type { Store } from '../../store/store.js'
import { type CounterState, clearExpiredLock, decrementCounter, deleteCounters, deleteCounting, incrementCounter, lockWhenReached, readLocks } from './store.js'

export interface LockoutDeps {
  store: Store
  clock: Clock
  options: { lockoutThreshold: number; lockoutMinutes: number }
}

// Keys are namespaced by what they count; an email key counts known and unknown emails alike.
const passwordEmailKey = (email: string) => `pw:email:${email}`
const passwordAddressKey = (ip: string) => `pw:ip:${ip}`
const codeUserKey = (userId: string) => `code:user:${userId}`

/** A password try taken before the compare; it is settled as failed or succeeded. */
export interface PasswordTry {
  emailKey: string
  addressKey: string | null
  /** True for the one try that found the email's lock over and cleared it (DESIGN.md: a lock's end is audited). */
  lockEnded: boolean
}

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

  function tooManyTries(untilMs: number, current: number): PortcullisError {
    return new PortcullisError('too_many_requests', 'Too many failed sign-in attempts; try again later', {
      retryAfterSeconds: Math.max(1, Math.ceil((untilMs - current) / 1000)),
    })
  }

  /** When a counter refuses the try it just took: a running lock, or more tries out than the threshold. */
  function refusalOf(state: CounterState, limit: number, current: number): number | null {
    if (state.lockedUntil !== null && state.lockedUntil > current) return state.lockedUntil
    if (state.count > limit) return state.windowStartedAt + windowMs
    return null
  }

  /**
   * Takes one password try from the email's and the client address's budgets before the password
   * is compared, each in one atomic write, so requests fired together at one account get at most
   * `threshold` comparisons between them, on every process sharing the store. A refused try is
   * given back at once: the counters hold failures plus tries still being compared.
   * @throws too_many_requests while the email or the address is locked or has no try left
   */
  async function takePasswordTry(email: string, ip: string | null): Promise<PasswordTry> {
    const current = now()
    const emailKey = passwordEmailKey(email)
    const addressKey = ip ? passwordAddressKey(ip) : null
    const byEmail = await incrementCounter(deps.store, emailKey, current, windowMs, 0, 0)
    const byAddress = addressKey ? await incrementCounter(deps.store, addressKey, current, windowMs, 0, 0) : null
    const until = Math.max(refusalOf(byEmail, threshold, current) ?? 0, byAddress ? (refusalOf(byAddress, addressThreshold, current) ?? 0) : 0)
    // The counter's own row says whether a lock has run out: cleared (once) only then, not on every sign-in.
    const expired = byEmail.lockedUntil !== null && byEmail.lockedUntil <= current
    const taken = { emailKey, addressKey, lockEnded: expired && (await clearExpiredLock(deps.store, emailKey, current)) }
    if (until > 0) {
      await passwordTryAbandoned(taken)
      throw tooManyTries(until, current)
    }
    return taken
  }

  /** A wrong password keeps its try; returns when the lock it set ends, or null when it set none. */
  async function passwordTryFailed(taken: PasswordTry): Promise<Date | null> {
    const current = now()
    const until = current + windowMs
    if (taken.addressKey) await lockWhenReached(deps.store, taken.addressKey, addressThreshold, current, until)
    return (await lockWhenReached(deps.store, taken.emailKey, threshold, current, until)) ? new Date(until) : null
  }

  /**
   * A right password gives its try back and clears the email's counter; the address keeps its
   * earlier failures (one good account must not launder an address).
   */
  async function passwordTrySucceeded(taken: PasswordTry): Promise<void> {
    await deleteCounters(deps.store, [taken.emailKey])
    if (taken.addressKey) await decrementCounter(deps.store, taken.addressKey)
  }

  /** A try that was never compared (the hash could not run) is given back whole. */
  async function passwordTryAbandoned(taken: PasswordTry): Promise<void> {
    await decrementCounter(deps.store, taken.emailKey)
    if (taken.addressKey) await decrementCounter(deps.store, taken.addressKey)
  }

  /** Clears the email's counter, e.g. after a password reset proved the mailbox. */
  async function resetPasswordFailures(email: string): Promise<void> {
    await deleteCounters(deps.store, [passwordEmailKey(email)])
  }

  /** Counts a wrong password outside a sign-in (the programmatic API); true when it locked the email. */
  async function recordFailure(email: string, ip: string | null = null): Promise<boolean> {
    const current = now()
    if (ip) await incrementCounter(deps.store, passwordAddressKey(ip), current, windowMs, addressThreshold, windowMs)
    const state = await incrementCounter(deps.store, passwordEmailKey(email), current, windowMs, threshold, windowMs)
    return state.count === threshold
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
    return (await lockedUntil(email)) !== null
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
    return deleteCounting(deps.store, passwordAddressKey(ip))
  }

  return {
    takePasswordTry,
    passwordTryFailed,
    passwordTrySucceeded,
    passwordTryAbandoned,
    lockedUntil,
    unlockAddress,
    resetPasswordFailures,
    takeCodeTry,
    returnCodeTry,
    consume,
    isLocked,
    unlock,
    recordFailure,
  }
}

export type LockoutService = ReturnType<typeof createLockoutService>
