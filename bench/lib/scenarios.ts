import { randomBytes } from 'node:crypto'
import { freePort, type ProcessUsage, watchProcess } from './child.js'
import { type BenchDatabase, postgresDatabase, sqliteDatabase } from './database.js'
import { eachLimit, type Http, type LoadResult, type OpenLoopResult, type Operation, type Outcome, openHttp, runClosedLoop, runOpenLoop } from './load.js'
import type { BenchSettings } from './settings.js'
import { BENCH_PASSWORD, type BenchUser, freshCode, hasFreshCode, type Target } from './target.js'

export const SCENARIOS = ['session', 'sign-in', 'mfa-sign-in', 'sign-up', 'mixed'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export interface ScenarioRow extends LoadResult {
  scenario: ScenarioName
  server: ProcessUsage
}

export interface StormResult {
  connections: { session: number; signIn: number }
  session: LoadResult
  signIn: LoadResult
  server: ProcessUsage
}

/** Sign-ins offered at a multiple of the measured capacity, with session checks beside them. */
export interface OverloadResult {
  /** Sign-ins per second the server sustained, closed loop, just before. */
  capacityPerSecond: number
  /** 200 answers are `ok`; a shed sign-in is `503`. */
  signIn: OpenLoopResult
  session: LoadResult
  server: ProcessUsage
}

export interface TargetReport {
  name: string
  version: string
  database: BenchDatabase['kind']
  rows: ScenarioRow[]
  storm: StormResult | null
  overload: OverloadResult | null
  /** The same TOTP code sent twice within its validity: did the second sign-in succeed? */
  replay: { firstAccepted: boolean; replayAccepted: boolean }
  seeding: { users: number; mfaUsers: number; seconds: number }
}

const SEED_CONCURRENCY = 8
const BASE_USERS = 16
// Sizes the TOTP user pool when sign-in was not measured first (--only).
const FALLBACK_SIGN_IN_RATE = 50

/** Starts the target on a fresh database, seeds it over its own API, and runs every scenario. */
export async function benchTarget(
  target: Target,
  settings: BenchSettings,
  log: (line: string) => void,
  kind: BenchSettings['database'] = settings.database,
): Promise<TargetReport> {
  const database = kind === 'postgres' ? await postgresDatabase(settings.postgresUrl) : sqliteDatabase()
  const port = await freePort()
  const profileDir = settings.profileDir && target.profiles ? settings.profileDir : undefined
  const server = await database.whileMigrating(() =>
    target.start({
      databaseUrl: database.url,
      port,
      secret: randomBytes(32).toString('base64url'),
      workers: settings.workers,
      ...(profileDir ? { profileDir } : {}),
    }),
  )
  const tag = `${target.name}-${randomBytes(4).toString('hex')}`
  let emails = 0
  const nextEmail = () => `${tag}-${emails++}@example.com`
  const seed = openHttp(server.origin, SEED_CONCURRENCY)
  try {
    const seedStarted = performance.now()
    // The session checks and plain sign-ins share a few users (and their sessions) over every connection.
    const users = await seedUsers(target, seed, Math.min(BASE_USERS, Math.max(...settings.connections, settings.stormConnections)), nextEmail)
    log(`  ${target.name}: ${users.length} users seeded`)

    const rows: ScenarioRow[] = []
    const measure = async (scenario: ScenarioName, connections: number, op: (http: Http) => Operation) => {
      const http = openHttp(server.origin, connections)
      if (profileDir) await server.ask({ type: 'profile:start' }, 'profile:started')
      const watch = watchProcess(server.pids)
      const result = await runClosedLoop({ connections, durationMs: settings.durationMs, warmupMs: settings.warmupMs, op: op(http) })
      const row = { scenario, ...result, server: watch.stop() }
      if (profileDir) await server.ask({ type: 'profile:stop', name: `${target.name}-${scenario}-c${connections}` }, 'profile:stopped')
      await http.close()
      rows.push(row)
      log(`  ${target.name} ${scenario} c=${connections}: ${row.rate.toFixed(1)}/s p99 ${row.latency.p99.toFixed(1)} ms, errors ${row.errors}`)
      return row
    }
    const pick = (worker: number) => users[worker % users.length] as BenchUser

    const wants = (name: string) => settings.only === null || settings.only.includes(name)
    const connectionsOf = (name: string) => (wants(name) ? settings.connections : [])

    for (const c of connectionsOf('session')) await measure('session', c, (http) => (w) => target.checkSession(http, pick(w)))
    const signInRates = new Map<number, number>()
    for (const c of connectionsOf('sign-in')) signInRates.set(c, (await measure('sign-in', c, (http) => (w) => target.signIn(http, pick(w)))).rate)

    // Replay protection forbids reusing a code, so an MFA sign-in needs a user with an unspent step
    // (each serves one to three times per 30 s step). The pool is sized from the plain sign-in rate
    // just measured (an MFA sign-in costs at least as much; password hashing bounds both, whatever
    // the concurrency): one user per sign-in the window could hold, plus enough to keep the
    // connections busy for about six seconds.
    const windowSeconds = (settings.durationMs + settings.warmupMs) / 1000
    const mfaConnections = connectionsOf('mfa-sign-in')
    const signInRate = Math.max(0, ...signInRates.values()) || FALLBACK_SIGN_IN_RATE
    const needed = mfaConnections.reduce((sum, c) => sum + Math.ceil(signInRate * windowSeconds) + Math.min(c, Math.ceil(signInRate * 6) + 2), 2)
    const mfaStarted = performance.now()
    const mfaUsers = await seedUsers(target, seed, Math.min(needed, settings.maxMfaUsers), nextEmail)
    await eachLimit(mfaUsers, SEED_CONCURRENCY, (user) => target.enrolTotp(seed, user))
    log(`  ${target.name}: ${mfaUsers.length} TOTP users seeded in ${((performance.now() - mfaStarted) / 1000).toFixed(1)} s`)
    const probeUser = mfaUsers.pop() as BenchUser
    const mfaOp = mfaOperation(target, mfaUsers)
    for (const c of mfaConnections) await measure('mfa-sign-in', c, (http) => () => mfaOp(http))
    for (const c of connectionsOf('sign-up')) await measure('sign-up', c, (http) => () => target.signUpOutcome(http, nextEmail(), BENCH_PASSWORD))
    // A realistic blend: most requests of an app only check the session.
    for (const c of connectionsOf('mixed')) {
      await measure('mixed', c, (http) => (w) => {
        const roll = Math.random()
        if (roll < 0.9) return target.checkSession(http, pick(w))
        if (roll < 0.98) return target.signIn(http, users[Math.floor(Math.random() * users.length)] as BenchUser)
        return target.signUpOutcome(http, nextEmail(), BENCH_PASSWORD)
      })
    }

    let storm: StormResult | null = null
    if (wants('storm')) {
      if (profileDir) await server.ask({ type: 'profile:start' }, 'profile:started')
      storm = await runStorm(target, server.origin, server.pids, settings, pick, users)
      if (profileDir) await server.ask({ type: 'profile:stop', name: `${target.name}-storm` }, 'profile:stopped')
    }
    if (storm) {
      log(
        `  ${target.name} storm: session p99 ${storm.session.latency.p99.toFixed(1)} ms at ${storm.session.rate.toFixed(0)}/s beside ${storm.signIn.rate.toFixed(1)} sign-ins/s`,
      )
    }

    let overload: OverloadResult | null = null
    if (wants('overload')) {
      overload = await runOverload(target, server.origin, server.pid, settings, pick, users, Math.max(0, ...signInRates.values()), log)
      const { signIn, session } = overload
      log(
        `  ${target.name} overload: offered ${signIn.offeredPerSecond.toFixed(0)}/s for ${signIn.seconds} s; ` +
          `${JSON.stringify(signIn.outcomes)}; session p99 ${session.latency.p99.toFixed(1)} ms at ${session.rate.toFixed(0)}/s`,
      )
    }

    const replay = await replayProbe(target, seed, probeUser)
    log(`  ${target.name} replay probe: first ${replay.firstAccepted ? 'accepted' : 'refused'}, replay ${replay.replayAccepted ? 'ACCEPTED' : 'refused'}`)
    const seconds = (performance.now() - seedStarted) / 1000
    return {
      name: target.name,
      version: target.version,
      database: database.kind,
      rows,
      storm,
      overload,
      replay,
      seeding: { users: users.length, mfaUsers: mfaUsers.length + 1, seconds: Number(seconds.toFixed(1)) },
    }
  } finally {
    await seed.close()
    await server.stop()
    await database.drop()
  }
}

/**
 * An MFA sign-in with the next idle user that has an unspent TOTP step. When every user is busy, it
 * waits for one to come back (so a slow server sees fewer sign-ins in flight than connections);
 * when none is busy and none has a step left, the pool is used up and that is an error.
 */
function mfaOperation(target: Target, users: BenchUser[]): (http: Http) => Promise<Outcome> {
  const idle = [...users]
  let busy = 0
  return async (http) => {
    const deadline = performance.now() + 30_000
    for (;;) {
      for (let tries = idle.length; tries > 0; tries--) {
        const user = idle.shift() as BenchUser
        if (!hasFreshCode(user)) {
          idle.push(user)
          continue
        }
        busy++
        try {
          return await target.mfaSignIn(http, user, () => freshCode(user))
        } finally {
          busy--
          idle.push(user)
        }
      }
      if (busy === 0 || performance.now() > deadline) return { kind: 'mfa-sign-in', ok: false, reason: 'seeded TOTP users used up' }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

async function seedUsers(target: Target, http: Http, count: number, nextEmail: () => string): Promise<BenchUser[]> {
  const users: BenchUser[] = new Array(count)
  await eachLimit(users, SEED_CONCURRENCY, async (_, index) => {
    users[index] = await target.signUp(http, nextEmail(), BENCH_PASSWORD)
  })
  return users
}

/** Session checks while a sign-in storm runs beside them: does password hashing stall the event loop? */
async function runStorm(
  target: Target,
  origin: string,
  pids: number[],
  settings: BenchSettings,
  pick: (worker: number) => BenchUser,
  users: BenchUser[],
): Promise<StormResult> {
  const connections = settings.stormConnections
  const sessionHttp = openHttp(origin, connections)
  const signInHttp = openHttp(origin, connections)
  const watch = watchProcess(pids)
  const common = { connections, durationMs: settings.durationMs, warmupMs: settings.warmupMs }
  const [session, signIn] = await Promise.all([
    runClosedLoop({ ...common, op: (w) => target.checkSession(sessionHttp, pick(w)) }),
    runClosedLoop({ ...common, op: (w) => target.signIn(signInHttp, users[(w + 1) % users.length] as BenchUser) }),
  ])
  const server = watch.stop()
  await Promise.all([sessionHttp.close(), signInHttp.close()])
  return { connections: { session: connections, signIn: connections }, session, signIn, server }
}

export const OVERLOAD_FACTOR = 4
const OVERLOAD_SECONDS = 10
// Enough sockets that the client never queues a request the schedule says is due.
const OVERLOAD_SOCKETS = 1024

/**
 * DESIGN.md, "Load and failure": sign-ins offered at 4× what the server sustains, for 10 s, open
 * loop, with session checks running beside them. The excess should be shed (503) at once, not
 * queued, and the session checks keep their latency.
 */
async function runOverload(
  target: Target,
  origin: string,
  pid: number,
  settings: BenchSettings,
  pick: (worker: number) => BenchUser,
  users: BenchUser[],
  measuredSignInRate: number,
  log: (line: string) => void,
): Promise<OverloadResult> {
  const connections = settings.stormConnections
  let capacity = measuredSignInRate
  if (!(capacity > 0)) {
    const http = openHttp(origin, connections)
    const probe = await runClosedLoop({ connections, durationMs: 3000, warmupMs: 1000, op: (w) => target.signIn(http, users[w % users.length] as BenchUser) })
    await http.close()
    capacity = probe.rate
    log(`  ${target.name} sign-in capacity (closed loop, c=${connections}): ${capacity.toFixed(1)}/s`)
  }
  const durationMs = settings.quick ? 3000 : OVERLOAD_SECONDS * 1000
  const signInHttp = openHttp(origin, OVERLOAD_SOCKETS)
  const sessionHttp = openHttp(origin, connections)
  // Connections are opened before the window, as a busy server's clients would already have them:
  // as many as the sign-ins the server holds (about two seconds' worth) plus those shed meanwhile.
  const warm = Math.min(OVERLOAD_SOCKETS, Math.ceil(OVERLOAD_FACTOR * capacity * 2))
  await Promise.all(Array.from({ length: warm }, (_, i) => target.checkSession(signInHttp, pick(i))))
  const watch = watchProcess(pid)
  const [signIn, session] = await Promise.all([
    runOpenLoop({ ratePerSecond: OVERLOAD_FACTOR * capacity, durationMs, op: (i) => target.signIn(signInHttp, users[i % users.length] as BenchUser) }),
    runClosedLoop({ connections, durationMs, warmupMs: 0, op: (w) => target.checkSession(sessionHttp, pick(w)) }),
  ])
  const server = watch.stop()
  await Promise.all([signInHttp.close(), sessionHttp.close()])
  return { capacityPerSecond: capacity, signIn, session, server }
}

async function replayProbe(target: Target, http: Http, user: BenchUser): Promise<TargetReport['replay']> {
  let code: string | null = null
  // The first sign-in takes a fresh code; the second sends the very same one again.
  const first = await target.mfaSignIn(http, user, () => (code = freshCode(user)))
  const second = await target.mfaSignIn(http, user, () => code)
  return { firstAccepted: first.ok, replayAccepted: second.ok }
}
