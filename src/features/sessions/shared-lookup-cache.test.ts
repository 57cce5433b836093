import { describe, expect, it } from 'vitest'
import { SharedLookupCache } from './shared-lookup-cache.js'

const row = (user: string, name = user) => ({ user_id: user, name })

describe('SharedLookupCache', () => {
  it('answers an entry only while its read started less than maxAgeMs ago', () => {
    let now = 1000
    const cache = new SharedLookupCache<ReturnType<typeof row>>(10, 1000, () => now)
    cache.set('a', row('u1'), 900)
    now = 1899
    expect(cache.get('a')?.name).toBe('u1')
    now = 1900
    expect(cache.get('a')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('refuses a value whose read started maxAgeMs ago or more', () => {
    let now = 5000
    const cache = new SharedLookupCache<ReturnType<typeof row>>(10, 1000, () => now)
    cache.set('a', row('u1'), 4000)
    expect(cache.get('a')).toBeUndefined()
    now = 5001
    cache.set('b', row('u1'), 4002)
    expect(cache.get('b')).toBeDefined()
  })

  it("drops every entry of a user, and only that user's", () => {
    const cache = new SharedLookupCache<ReturnType<typeof row>>(10, 1000, () => 0)
    cache.set('a1', row('u1'), 0)
    cache.set('a2', row('u1'), 0)
    cache.set('b1', row('u2'), 0)
    cache.dropUser('u1')
    expect(cache.get('a1')).toBeUndefined()
    expect(cache.get('a2')).toBeUndefined()
    expect(cache.get('b1')).toBeDefined()
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('stays within maxEntries, least recently used out, and keeps its user index in step', () => {
    const cache = new SharedLookupCache<ReturnType<typeof row>>(2, 1000, () => 0)
    cache.set('a', row('u1'), 0)
    cache.set('b', row('u2'), 0)
    cache.get('a')
    cache.set('c', row('u3'), 0)
    expect(cache.size).toBe(2)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBeDefined()
    // A key re-set under another user moves in the index: dropping the old user leaves it.
    cache.set('a', row('u4'), 0)
    cache.dropUser('u1')
    expect(cache.get('a')?.user_id).toBe('u4')
    cache.dropUser('u4')
    expect(cache.get('a')).toBeUndefined()
  })
})
