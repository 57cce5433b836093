import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { PortcullisError } from '../errors.js'
import { Argon2Pool, HASH_QUEUE_SECONDS } from './argon2-pool.js'
import { ARGON2_PARAMS } from './password.js'

const run = promisify(execFile)
const pools: Argon2Pool[] = []

function newPool(size: number, niceness = 0, queueLimit: number | 'auto' = 'auto'): Argon2Pool {
  const pool = new Argon2Pool({ size, niceness, queueLimit })
  pools.push(pool)
  return pool
}

/** Nice values of this process's threads, from /proc (Linux). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces); nice is field 19, the 17th of these.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
  })
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()))
})

describe('Argon2Pool', () => {
  it('hashes and verifies on its threads', async () => {
    const pool = newPool(1)
    const stored = (await pool.run('hash', ['pool password', ARGON2_PARAMS])) as string
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true)
    expect(await pool.run('verify', [stored, 'pool password'])).toBe(true)
    expect(await pool.run('verify', [stored, 'pool passwordX'])).toBe(false)
  })

  it('runs no more hashes at once than its size and queues the rest', async () => {
    const pool = newPool(2)
    const jobs = Array.from({ length: 7 }, (_, i) => pool.run('hash', [`password ${i}`, ARGON2_PARAMS]))
    expect(pool.running).toBe(2)
    let most = 0
    await Promise.all(
      jobs.map((job) =>
        job.then(() => {
          most = Math.max(most, pool.running)
        }),
      ),
    )
    expect(most).toBeLessThanOrEqual(2)
    expect(pool.running).toBe(0)
    expect(new Set(await Promise.all(jobs)).size).toBe(7)
  })

  it('answers a malformed stored hash as a mismatch', async () => {
    expect(await newPool(1).run('verify', ['not a hash', 'x'])).toBe(false)
  })

  it('refuses queued and running work once closed', async () => {
    const pool = newPool(1)
    const running = expect(pool.run('hash', ['a', ARGON2_PARAMS])).rejects.toThrow('closed')
    const queued = expect(pool.run('hash', ['b', ARGON2_PARAMS])).rejects.toThrow('closed')
    await pool.close()
    await running
    await queued
  })

  it.runIf(process.platform === 'linux')('lowers the priority of its own threads only', async () => {
    const nicedBefore = threadNiceValues().filter((nice) => nice === 10).length
    const pool = newPool(2, 10)
    await Promise.all([pool.run('hash', ['x', ARGON2_PARAMS]), pool.run('hash', ['y', ARGON2_PARAMS])])
    expect(threadNiceValues().filter((nice) => nice === 10).length - nicedBefore).toBe(2)
    // The main thread, which runs the event loop, keeps its priority.
    const main = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    expect(Number(main.slice(main.lastIndexOf(')') + 2).split(' ')[16])).toBe(0)
  })

  it('keeps a process alive while a hash is pending, and not once the pool is idle', async () => {
    // A script whose only pending work is the hash: it must print the result, then end by itself.
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-pool-'))
    const script = join(dir, 'hash-once.mts')
    writeFileSync(
      script,
      [
        `import { sharedArgon2Pool } from ${JSON.stringify(new URL('./argon2-pool.ts', import.meta.url).href)}`,
        `const stored = await sharedArgon2Pool().run('hash', ['x', ${JSON.stringify(ARGON2_PARAMS)}])`,
        'console.log(String(stored).slice(0, 9))',
      ].join('\n'),
    )
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 })
      expect(stdout.trim()).toBe('$argon2id')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('admits one request per thread plus its queue limit, then sheds at once with a Retry-After', () => {
    const pool = newPool(2, 0, 3)
    const tickets = Array.from({ length: 5 }, () => pool.tryReserve())
    let refusal: unknown
    try {
      pool.tryReserve()
    } catch (error) {
      refusal = error
    }
    expect(refusal).toBeInstanceOf(PortcullisError)
    expect((refusal as PortcullisError).code).toBe('service_unavailable')
    expect((refusal as PortcullisError).retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(pool.load()).toMatchObject({ admitted: 5, limit: 5, shed: 1, started: 0 })
    // Releasing twice gives back one place, not two.
    tickets[0]?.release()
    tickets[0]?.release()
    expect(pool.load().admitted).toBe(4)
    pool.tryReserve()
    expect(() => pool.tryReserve()).toThrow(PortcullisError)
  })

  it('sizes the automatic queue as HASH_QUEUE_SECONDS of the hashing time it measured', async () => {
    const pool = newPool(2)
    for (let i = 0; i < 6; i++) await Promise.all([pool.run('hash', [`a${i}`, ARGON2_PARAMS]), pool.run('hash', [`b${i}`, ARGON2_PARAMS])])
    const { hashMs, limit, started } = pool.load()
    expect(started).toBe(12)
    expect(hashMs).toBeGreaterThan(1)
    const expected = 2 + Math.max(2, Math.floor((HASH_QUEUE_SECONDS * 1000 * 2) / hashMs))
    // hashMs is shown rounded to 0.1 ms; the limit uses the unrounded average.
    expect(Math.abs(limit - expected)).toBeLessThanOrEqual(Math.ceil(expected * 0.01) + 1)
  })

  it('shortens the automatic queue to the pace requests were seen to finish at while hashes waited', async () => {
    const pool = newPool(1)
    await pool.run('hash', ['warm', ARGON2_PARAMS])
    // Left queued: closing the pool after the test refuses them, and that is not this test's concern.
    // Enough for seconds even at 10 ms a hash, so the queue never runs dry during the test.
    for (let i = 0; i < 400; i++) pool.run('hash', [`queued ${i}`, ARGON2_PARAMS]).catch(() => {})
    // Requests that finish 100 ms apart while hashes wait: at most ten a second are served.
    for (let i = 0; i < 5; i++) {
      pool.tryReserve().release()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(pool.load().waiting).toBeGreaterThan(0)
    expect(pool.load().limit).toBeLessThanOrEqual(1 + HASH_QUEUE_SECONDS * 10)
  })
})
