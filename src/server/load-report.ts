import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Context } from 'hono'
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { Auth } from '../create-auth.js'
import { safeEqual } from '../crypto/token.js'

/** The event-loop lag of the last window, in milliseconds. */
export interface EventLoopLag {
  p50Ms: number
  p99Ms: number
  maxMs: number
}

const WINDOW_MS = 5000
const NS_PER_MS = 1e6
// The histogram samples with a timer of this period, and each sample is the whole time between
// two timer turns: the period itself is taken off, so an idle loop reads 0, not 10 ms.
const RESOLUTION_MS = 10

let lagMonitor: { last(): EventLoopLag } | undefined

// One histogram per process (the event loop is the process's), read and emptied every window, so
// /readyz shows the recent lag rather than the average since the start.
function eventLoopLag(): EventLoopLag {
  if (!lagMonitor) {
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    histogram.enable()
    let last: EventLoopLag = { p50Ms: 0, p99Ms: 0, maxMs: 0 }
    const rotate = () => {
      if (histogram.count > 0) {
        last = {
          p50Ms: lagOf(histogram.percentile(50)),
          p99Ms: lagOf(histogram.percentile(99)),
          maxMs: lagOf(histogram.max),
        }
      }
      histogram.reset()
    }
    setInterval(rotate, WINDOW_MS).unref()
    lagMonitor = { last: () => last }
  }
  return lagMonitor.last()
}

function lagOf(sampleNs: number): number {
  return round(Math.max(0, sampleNs / NS_PER_MS - RESOLUTION_MS))
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

/** The readings `/readyz` shows beside its status: event-loop lag and every bounded queue. Starts watching the event loop at once. */
export function createLoadDetail(auth: Auth) {
  eventLoopLag()
  return () => {
    const { hashing, mail } = auth.load()
    return { eventLoopLag: eventLoopLag(), queues: { passwordHashing: hashing, mail } }
  }
}

/**
 * `GET /metrics` in Prometheus text format, readable only with the admin token (API.md); without
 * an admin token configured nobody can read it.
 */
export function createMetricsRoute(auth: Auth) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })
  gauge('portcullis_event_loop_lag_p99_seconds', 'p99 event-loop delay over the last 5 s window', () => eventLoopLag().p99Ms / 1000)
  gauge('portcullis_hash_queue_waiting', 'password hashes waiting for a thread', () => auth.load().hashing.waiting)
  gauge('portcullis_hash_queue_running', 'password hashes on a thread', () => auth.load().hashing.running)
  gauge('portcullis_hash_queue_admitted', 'requests admitted to password hashing', () => auth.load().hashing.admitted)
  gauge('portcullis_hash_queue_limit', 'admitted requests past which sign-in, sign-up and password change are shed', () => auth.load().hashing.limit)
  gauge('portcullis_hash_seconds', 'moving average wall time of one password hash', () => auth.load().hashing.hashMs / 1000)
  let shedSeen = 0
  new Counter({
    name: 'portcullis_hash_shed_total',
    help: 'requests answered 503 because the hashing queue was full',
    registers: [registry],
    collect() {
      const shed = auth.load().hashing.shed
      if (shed > shedSeen) this.inc(shed - shedSeen)
      shedSeen = shed
    },
  })
  let startedSeen = 0
  new Counter({
    name: 'portcullis_hashes_total',
    help: 'password hashes and verifications handed to a hashing thread',
    registers: [registry],
    collect() {
      const started = auth.load().hashing.started
      if (started > startedSeen) this.inc(started - startedSeen)
      startedSeen = started
    },
  })
  gauge('portcullis_mail_in_flight', 'mail deliveries in flight', () => auth.load().mail.inFlight)
  gauge('portcullis_mail_limit', 'mail deliveries in flight past which mailing requests are shed', () => auth.load().mail.limit)

  return async (c: Context) => {
    const header = c.req.header('authorization') ?? ''
    const presented = /^Bearer (.+)$/i.exec(header)?.[1]
    const token = auth.options.adminToken
    if (!token || !presented || !safeEqual(presented, token)) {
      return c.json({ error: { code: 'forbidden', message: 'Metrics need the admin token' } }, 403, { 'Cache-Control': 'no-store' })
    }
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' })
  }
}
