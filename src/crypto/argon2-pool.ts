import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { PortcullisError } from '../errors.js'

export type Argon2Operation = 'hash' | 'verify'

interface Job {
  id: number
  operation: Argon2Operation
  args: unknown[]
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  startedAt?: number
}

interface Reply {
  id: number
  value?: unknown
  error?: string
}

export interface Argon2PoolOptions {
  /** Hashes at once; more than the cores only makes every hash slower and holds more memory. */
  size: number
  /** Nice value of the hashing threads (Linux): the event loop outranks them, so a sign-in storm cannot starve session checks. */
  niceness: number
  /**
   * Requests admitted beyond the ones a thread is hashing for; past it, `tryReserve` sheds.
   * `auto` (the default) is as many as are served in HASH_QUEUE_SECONDS at the measured pace.
   */
  queueLimit?: number | 'auto'
}

/** A place among the requests admitted to hashing, held from before anything is counted until the request is done. */
export interface HashTicket {
  /** Gives the place back; a second call does nothing. */
  release(): void
}

/** What the pool holds now, for /readyz and /metrics. */
export interface HashLoad {
  /** Hashes on a thread now. */
  running: number
  /** Hashes waiting for a thread. */
  waiting: number
  /** Requests holding a ticket (hashing, waiting, or between their hashes). */
  admitted: number
  /** Admitted requests past which new ones are shed. */
  limit: number
  /** Requests shed since the pool started. */
  shed: number
  /** Hashes and verifications handed to a thread since the pool started. */
  started: number
  /** The moving average of one hash's wall time on a thread, in milliseconds. */
  hashMs: number
}

/** The default queue holds this many seconds of hashing for the cores present. */
export const HASH_QUEUE_SECONDS = 2
// Until the pool has timed a hash of its own: argon2id at m=19 MiB, t=2 takes 20-60 ms on a server core.
const FIRST_HASH_MS = 50
// Weight of the newest hash in the moving average: a few dozen hashes follow a change of machine load.
const COST_WEIGHT = 0.1

const WORKER_URL = new URL('./argon2-worker.mjs', import.meta.url)

/**
 * A fixed set of hashing threads fed from one FIFO queue. It bounds memory (argon2 holds its
 * memory cost per hash in flight) and, at a lower priority than the event loop, keeps request
 * latency flat while passwords are hashed on every core.
 */
export class Argon2Pool {
  private readonly idle: Worker[] = []
  private readonly busy = new Map<Worker, Job>()
  private readonly queue: Job[] = []
  private nextId = 0
  private admitted = 0
  private shedCount = 0
  private startedCount = 0
  private hashMs = FIRST_HASH_MS
  private timed = false
  private servedGapMs: number | null = null
  private lastServedAt: number | null = null
  private queueLimit: number | 'auto'

  constructor(private readonly options: Argon2PoolOptions) {
    this.queueLimit = options.queueLimit ?? 'auto'
  }

  /** Sets how many requests may wait for a thread: a number, or `auto` (HASH_QUEUE_SECONDS of measured work). */
  setQueueLimit(limit: number | 'auto'): void {
    this.queueLimit = limit
  }

  /**
   * Admits one request to password hashing, or sheds it: synchronous and cheap, so a caller asks
   * before it counts a try or writes anything. The caller releases the ticket when it is done.
   * @throws service_unavailable with retryAfterSeconds when the admitted requests are at the limit.
   */
  tryReserve(): HashTicket {
    if (this.admitted >= this.admissionLimit()) {
      this.shedCount++
      throw new PortcullisError('service_unavailable', 'The server is busy hashing passwords; try again shortly', {
        retryAfterSeconds: this.secondsToDrain(),
      })
    }
    this.admitted++
    let held = true
    return {
      release: () => {
        if (!held) return
        held = false
        this.admitted--
        this.noteServed()
      },
    }
  }

  /** The load now. */
  load(): HashLoad {
    return {
      running: this.busy.size,
      waiting: this.queue.length,
      admitted: this.admitted,
      limit: this.admissionLimit(),
      shed: this.shedCount,
      started: this.startedCount,
      hashMs: Math.round(this.hashMs * 10) / 10,
    }
  }

  // One request per thread hashing, plus the queue: a fixed number, or as many as are served in
  // HASH_QUEUE_SECONDS (never fewer than the threads).
  private admissionLimit(): number {
    const size = this.options.size
    if (this.queueLimit !== 'auto') return size + this.queueLimit
    return size + Math.max(size, Math.floor(HASH_QUEUE_SECONDS * this.servedPerSecond()))
  }

  // Requests served per second: what the threads hash at the measured cost, or less when the
  // requests were seen to finish more slowly than that while hashes waited (the event loop's own
  // share of a sign-in, other processes on the machine).
  private servedPerSecond(): number {
    const hashing = (1000 * this.options.size) / this.hashMs
    return this.servedGapMs === null ? hashing : Math.min(hashing, 1000 / this.servedGapMs)
  }

  // Only while hashes wait for a thread does the pace of finished requests show the capacity.
  private noteServed(): void {
    const now = performance.now()
    if (this.queue.length === 0) {
      this.lastServedAt = null
      return
    }
    if (this.lastServedAt !== null) {
      const gap = now - this.lastServedAt
      this.servedGapMs = this.servedGapMs === null ? gap : this.servedGapMs + COST_WEIGHT * (gap - this.servedGapMs)
    }
    this.lastServedAt = now
  }

  // The first hash timed replaces the guess outright; later ones move a moving average.
  private measure(ms: number): void {
    this.hashMs = this.timed ? this.hashMs + COST_WEIGHT * (ms - this.hashMs) : ms
    this.timed = true
  }

  // Whole seconds until the admitted requests have had their hash, at the measured cost.
  private secondsToDrain(): number {
    return Math.max(1, Math.ceil(this.admitted / this.servedPerSecond()))
  }

  run(operation: Argon2Operation, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, operation, args, resolve, reject })
      this.dispatch()
    })
  }

  /** Hashes running now; never above the pool size. */
  get running(): number {
    return this.busy.size
  }

  /** Stops every thread; queued and running work is refused. */
  async close(): Promise<void> {
    const failure = new Error('The argon2 pool was closed')
    for (const job of this.queue.splice(0)) job.reject(failure)
    const workers = [...this.idle.splice(0), ...this.busy.keys()]
    for (const job of this.busy.values()) job.reject(failure)
    this.busy.clear()
    await Promise.all(workers.map((worker) => worker.terminate()))
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker: Worker | undefined
      try {
        worker = this.idle.pop() ?? (this.busy.size < this.options.size ? this.spawn() : undefined)
      } catch (error) {
        // No thread could be started (out of memory, say): the job waiting longest fails, the rest wait.
        this.queue.shift()?.reject(error instanceof Error ? error : new Error(String(error)))
        continue
      }
      if (!worker) return
      const job = this.queue.shift() as Job
      job.startedAt = performance.now()
      this.startedCount++
      this.busy.set(worker, job)
      // Held only while it works: an idle pool never keeps the process alive, a pending hash always does.
      worker.ref()
      worker.postMessage({ id: job.id, operation: job.operation, args: job.args })
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { niceness: this.options.niceness } })
    worker.on('message', (reply: Reply) => {
      const job = this.busy.get(worker)
      if (!job || job.id !== reply.id) return
      this.busy.delete(worker)
      worker.unref()
      this.idle.push(worker)
      if (job.startedAt !== undefined) this.measure(performance.now() - job.startedAt)
      if (reply.error === undefined) job.resolve(reply.value)
      else job.reject(new Error(reply.error))
      this.dispatch()
    })
    const retire = (error: Error) => {
      const job = this.busy.get(worker)
      this.busy.delete(worker)
      const index = this.idle.indexOf(worker)
      if (index >= 0) this.idle.splice(index, 1)
      job?.reject(error)
      this.dispatch()
    }
    worker.on('error', retire)
    worker.on('messageerror', retire)
    worker.on('exit', (code) => retire(new Error(`An argon2 thread exited with code ${code}`)))
    return worker
  }
}

let shared: Argon2Pool | undefined

/**
 * The process-wide pool: one thread per core, niced on Linux to the lowest priority (19), so the
 * event loop wins a core the moment it wakes, even under a sign-in overload (docs/benchmarks.md,
 * "Quiet-machine runs"); alone on the machine the threads still get every cycle.
 */
export function sharedArgon2Pool(): Argon2Pool {
  shared ??= new Argon2Pool({ size: availableParallelism(), niceness: process.platform === 'linux' ? 19 : 0 })
  return shared
}
