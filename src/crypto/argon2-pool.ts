import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

export type Argon2Operation = 'hash' | 'verify'

interface Job {
  id: number
  operation: Argon2Operation
  args: unknown[]
  resolve: (value: unknown) => void
  reject: (error: Error) => void
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
}

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

  constructor(private readonly options: Argon2PoolOptions) {}

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

/** The process-wide pool: one thread per core, niced on Linux. */
export function sharedArgon2Pool(): Argon2Pool {
  shared ??= new Argon2Pool({ size: availableParallelism(), niceness: process.platform === 'linux' ? 10 : 0 })
  return shared
}
