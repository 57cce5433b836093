import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'

/** What one operation of a scenario reports: its kind (for blends) and whether it got the expected answer. */
export interface Outcome {
  kind: string
  ok: boolean
  /** Why it failed: an HTTP status or a short reason, counted in the errors column. */
  reason?: string
}

export type Operation = (worker: number) => Promise<Outcome>

export interface LatencyStats {
  count: number
  p50: number
  p99: number
  p999: number
  max: number
  mean: number
}

export interface LoadResult {
  connections: number
  seconds: number
  /** Completed operations per second inside the measured window, errors excluded. */
  rate: number
  ok: number
  errors: number
  /** Every operation that finished, warm-up and errors included: the denominator of CPU per operation. */
  finished: number
  errorReasons: Record<string, number>
  latency: LatencyStats
  /** Per kind, for blends such as `mixed`. */
  kinds: Record<string, LatencyStats & { rate: number }>
}

export interface LoadOptions {
  connections: number
  durationMs: number
  /** Run before the window opens and not measured: connections, JIT, caches. */
  warmupMs: number
  op: Operation
}

/** Growable list of latencies in milliseconds. */
class Samples {
  private values = new Float64Array(4096)
  length = 0
  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2)
      bigger.set(this.values)
      this.values = bigger
    }
    this.values[this.length++] = value
  }
  stats(): LatencyStats {
    const sorted = this.values.slice(0, this.length).sort()
    const at = (q: number) => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0))
    let sum = 0
    for (const value of sorted) sum += value
    return { count: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1), mean: sorted.length ? sum / sorted.length : 0 }
  }
}

/**
 * A closed loop: `connections` workers each run the operation back to back, so the offered load
 * is whatever the server sustains at that concurrency. Operations that complete inside the window
 * are measured, so slow operations that straddle its start still count.
 */
export async function runClosedLoop({ connections, durationMs, warmupMs, op }: LoadOptions): Promise<LoadResult> {
  const windowStart = performance.now() + warmupMs
  const windowEnd = windowStart + durationMs
  const all = new Samples()
  const byKind = new Map<string, Samples>()
  const errorReasons: Record<string, number> = {}
  let ok = 0
  let errors = 0
  let finishedTotal = 0

  async function worker(index: number): Promise<void> {
    while (performance.now() < windowEnd) {
      const started = performance.now()
      let outcome: Outcome
      try {
        outcome = await op(index)
      } catch (error) {
        outcome = { kind: 'error', ok: false, reason: (error as { code?: string }).code ?? (error as Error).name }
      }
      const finished = performance.now()
      finishedTotal++
      // Steady state: whatever completes inside the window counts, wherever it started.
      if (finished < windowStart || finished > windowEnd) continue
      if (!outcome.ok) {
        errors++
        const reason = outcome.reason ?? 'unexpected'
        errorReasons[reason] = (errorReasons[reason] ?? 0) + 1
        continue
      }
      ok++
      const latency = finished - started
      all.push(latency)
      const kind = byKind.get(outcome.kind) ?? new Samples()
      byKind.set(outcome.kind, kind)
      kind.push(latency)
    }
  }

  await Promise.all(Array.from({ length: connections }, (_, index) => worker(index)))
  const seconds = durationMs / 1000
  const kinds: LoadResult['kinds'] = {}
  for (const [kind, samples] of byKind) kinds[kind] = { ...samples.stats(), rate: samples.length / seconds }
  return { connections, seconds, rate: ok / seconds, ok, errors, finished: finishedTotal, errorReasons, latency: all.stats(), kinds }
}

export interface OpenLoopOptions {
  /** Operations started per second, whatever the server answers: the offered load. */
  ratePerSecond: number
  durationMs: number
  op: Operation
}

export interface OpenLoopResult {
  offeredPerSecond: number
  seconds: number
  started: number
  /** Finished operations by outcome: `ok`, or the failure's reason (an HTTP status). */
  outcomes: Record<string, number>
  /** Latency of each outcome, from the moment the operation was due. */
  latency: Record<string, LatencyStats>
  /** How late this client sent, behind its schedule: a busy client machine shows here, not as server latency. */
  sendLateness: LatencyStats
}

/**
 * An open loop: operations start on a fixed schedule and do not wait for earlier ones, so a server
 * slower than the schedule sees the offered load pile up, as it would from many independent clients.
 * Latency counts from when an operation was due, so a late start (coordinated omission) is not hidden.
 */
export async function runOpenLoop({ ratePerSecond, durationMs, op }: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalMs = 1000 / ratePerSecond
  const total = Math.floor((durationMs / 1000) * ratePerSecond)
  const start = performance.now()
  const samples = new Map<string, Samples>()
  const outcomes: Record<string, number> = {}
  const running: Promise<void>[] = []
  const lateness = new Samples()
  for (let index = 0; index < total; index++) {
    const due = start + index * intervalMs
    const wait = due - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    lateness.push(Math.max(0, performance.now() - due))
    running.push(
      op(index).then(
        (outcome) => record(outcome.ok ? 'ok' : (outcome.reason ?? 'unexpected'), due),
        (error: unknown) => record((error as { code?: string }).code ?? 'error', due),
      ),
    )
  }
  function record(key: string, due: number): void {
    outcomes[key] = (outcomes[key] ?? 0) + 1
    const list = samples.get(key) ?? new Samples()
    samples.set(key, list)
    list.push(performance.now() - due)
  }
  await Promise.all(running)
  const latency: Record<string, LatencyStats> = {}
  for (const [key, list] of samples) latency[key] = list.stats()
  return { offeredPerSecond: ratePerSecond, seconds: durationMs / 1000, started: total, outcomes, latency, sendLateness: lateness.stats() }
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

export interface HttpRequest {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  json?: unknown
}

/** A keep-alive connection pool to one server; one per scenario, so the connection count is exact. */
export interface Http {
  request(request: HttpRequest): Promise<HttpResponse>
  close(): Promise<void>
}

export function openHttp(origin: string, connections: number): Http {
  const pool = new Pool(origin, { connections, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000, keepAliveTimeout: 60_000 })
  return {
    async request({ method, path, headers = {}, json }) {
      const body = json === undefined ? null : JSON.stringify(json)
      const response = await pool.request({
        method,
        path,
        headers: body === null ? headers : { ...headers, 'content-type': 'application/json' },
        body,
      })
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() }
    },
    close: () => pool.close(),
  }
}

/** The name=value pairs of every Set-Cookie header, ready to send back as a Cookie header. */
export function cookiesOf(response: HttpResponse): Record<string, string> {
  const raw = response.headers['set-cookie']
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  const cookies: Record<string, string> = {}
  for (const line of list) {
    const pair = line.split(';', 1)[0] ?? ''
    const eq = pair.indexOf('=')
    if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim()
  }
  return cookies
}

/** Runs `task` over `items` with at most `limit` at once; for seeding. */
export async function eachLimit<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      await task(items[index] as T, index)
    }
  })
  await Promise.all(lanes)
}
