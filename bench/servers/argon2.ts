// The physical limit of password work: raw argon2id with the server's own parameters, as many at
// once as the libuv thread pool runs (where @node-rs/argon2 hashes), for DURATION_MS. Prints JSON.
// Verification is also measured with one per core, to show what oversubscribing the cores costs.
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { hash, verify } from '@node-rs/argon2'
import { ARGON2_PARAMS } from '../../src/crypto/password.js'

const durationMs = Number(process.env.DURATION_MS ?? 3000)
const concurrency = Number(process.env.UV_THREADPOOL_SIZE ?? 4)
const cores = availableParallelism()
const password = 'bench-password-correct-horse'

async function rate(work: () => Promise<unknown>, ms: number, lanes: number): Promise<number> {
  let done = 0
  const started = performance.now()
  const end = started + ms
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < end) {
        await work()
        done++
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}

const stored = await hash(password, ARGON2_PARAMS)
await rate(() => hash(password, ARGON2_PARAMS), Math.min(300, durationMs / 4), concurrency)
const hashesPerSecond = await rate(() => hash(password, ARGON2_PARAMS), durationMs / 2, concurrency)
const verifiesPerSecond = await rate(() => verify(stored, password), durationMs / 2, concurrency)
const verifiesPerSecondOnePerCore = cores === concurrency ? verifiesPerSecond : await rate(() => verify(stored, password), durationMs / 2, cores)
console.log(JSON.stringify({ concurrency, cores, params: ARGON2_PARAMS, hashesPerSecond, verifiesPerSecond, verifiesPerSecondOnePerCore }))
