/**
 * Session checks answered from memory on PostgreSQL, where other processes write too. Entries are
 * dropped per user when a change is reported (src/store/change-feed.ts), and each is kept at most
 * `maxAgeMs` after the read that produced it *started*: so whatever was committed `maxAgeMs`
 * before a check is in its answer, even if a notification went missing. Least recently used
 * entries go first once `maxEntries` is reached.
 */
export class SharedLookupCache<T extends { user_id: string }> {
  private readonly entries = new Map<string, { value: T; readAt: number }>()
  private readonly byUser = new Map<string, Set<string>>()

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.entries.size
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    if (this.now() - entry.readAt >= this.maxAgeMs) {
      this.unindex(key, entry.value.user_id)
      return undefined
    }
    this.entries.set(key, entry)
    return entry.value
  }

  /** Keeps a value whose read started at `readAt` (this cache's clock). */
  set(key: string, value: T, readAt: number): void {
    if (this.now() - readAt >= this.maxAgeMs) return
    const previous = this.entries.get(key)
    if (previous) this.remove(key, previous.value.user_id)
    else if (this.entries.size >= this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, { value: T }]
      this.remove(oldest, entry.value.user_id)
    }
    this.entries.set(key, { value, readAt })
    let keys = this.byUser.get(value.user_id)
    if (!keys) {
      keys = new Set()
      this.byUser.set(value.user_id, keys)
    }
    keys.add(key)
  }

  /** Changes a cached value in place (this process's own touch), keeping its age. */
  update(key: string, change: (value: T) => void): void {
    const entry = this.entries.get(key)
    if (entry) change(entry.value)
  }

  dropUser(userId: string): void {
    const keys = this.byUser.get(userId)
    if (!keys) return
    for (const key of keys) this.entries.delete(key)
    this.byUser.delete(userId)
  }

  clear(): void {
    this.entries.clear()
    this.byUser.clear()
  }

  /** The clock `set` expects `readAt` on. */
  clock(): number {
    return this.now()
  }

  private remove(key: string, userId: string): void {
    this.entries.delete(key)
    this.unindex(key, userId)
  }

  private unindex(key: string, userId: string): void {
    const keys = this.byUser.get(userId)
    keys?.delete(key)
    if (keys?.size === 0) this.byUser.delete(userId)
  }
}
