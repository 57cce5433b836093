/**
 * The writes that may change a session check's answer (see Store.changeStamp). Only sessions that
 * were found are cached, so a new session or a new user changes no entry: a sign-in keeps the
 * cache. A new factor row may turn MFA on, so those inserts count.
 */
export const SESSION_TABLES = ['sessions', 'users', 'totp_factors', 'insert:totp_factors', 'webauthn_credentials', 'insert:webauthn_credentials'] as const

/**
 * Session checks answered from memory while nothing they read has changed. The whole cache
 * belongs to one change stamp of the store (see Store.changeStamp): a lookup that sees another
 * stamp empties it first, so no entry outlives a write to the tables above — from this process or,
 * on SQLite, any other. Least recently used entries go first once `maxEntries` is reached.
 */
export class SessionLookupCache<T> {
  private readonly entries = new Map<string, T>()
  private stamp: number | null = null

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size
  }

  /** The entry cached under this stamp; a different stamp empties the cache and answers undefined. */
  get(key: string, stamp: number): T | undefined {
    if (stamp !== this.stamp) {
      this.entries.clear()
      this.stamp = stamp
      return undefined
    }
    const value = this.entries.get(key)
    if (value !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  /** Keeps a value read when the store was at `stampBeforeRead`; a value read across a change is dropped. */
  set(key: string, value: T, stampBeforeRead: number): void {
    if (stampBeforeRead !== this.stamp) return
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(key, value)
  }

  /**
   * After a write whose whole effect the caller knows (and applies with `apply`), moves the cache
   * to the stamp after it — only when that write was the only change in between.
   */
  carryOver(from: number, to: number, apply: (entries: Map<string, T>) => void): void {
    if (this.stamp !== from || to !== from + 1) return
    apply(this.entries)
    this.stamp = to
  }
}
