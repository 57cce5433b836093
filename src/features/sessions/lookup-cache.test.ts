import { describe, expect, it } from 'vitest'
import { SessionLookupCache } from './lookup-cache.js'

describe('SessionLookupCache', () => {
  it('answers only under the stamp it was filled at, and empties itself on a new one', () => {
    const cache = new SessionLookupCache<string>(10)
    expect(cache.get('a', 1)).toBeUndefined()
    cache.set('a', 'session a', 1)
    expect(cache.get('a', 1)).toBe('session a')
    expect(cache.get('a', 2)).toBeUndefined()
    expect(cache.size).toBe(0)
    expect(cache.get('a', 1)).toBeUndefined()
  })

  it('drops a value read across a change of stamp', () => {
    const cache = new SessionLookupCache<string>(10)
    cache.get('a', 1)
    cache.get('b', 2)
    cache.set('a', 'read at 1', 1)
    expect(cache.get('a', 2)).toBeUndefined()
  })

  it('never holds more than its size, evicting the least recently used', () => {
    const cache = new SessionLookupCache<number>(3)
    cache.get('x', 7)
    for (const key of ['a', 'b', 'c']) cache.set(key, 1, 7)
    expect(cache.get('a', 7)).toBe(1)
    cache.set('d', 1, 7)
    expect(cache.size).toBe(3)
    expect(cache.get('b', 7)).toBeUndefined()
    expect(cache.get('a', 7)).toBe(1)
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i, 7)
    expect(cache.size).toBe(3)
  })

  it('carries over a write the caller knows only when it was the single change', () => {
    const cache = new SessionLookupCache<{ seen: number }>(10)
    cache.get('a', 5)
    cache.set('a', { seen: 1 }, 5)
    cache.carryOver(5, 6, (entries) => {
      const entry = entries.get('a')
      if (entry) entry.seen = 2
    })
    expect(cache.get('a', 6)).toEqual({ seen: 2 })
    // Another write came in between: the cache does not move, so the next look empties it.
    cache.carryOver(6, 8, () => {})
    expect(cache.get('a', 8)).toBeUndefined()
  })
})
