import sonicBoom from 'sonic-boom'

// A CommonJS module whose types are written as ESM: at run time the default import is the module
// object, which carries the class as `SonicBoom`.
const { SonicBoom } = sonicBoom

/** Where log lines go: written in the background, flushed with a deadline at shutdown. */
export interface LogDestination {
  write(line: string): void
  /** Waits at most `timeoutMs` for buffered lines to be written; never throws. */
  flush(timeoutMs: number): Promise<void>
}

// Log lines waiting for a reader that has stopped reading are dropped past this, not kept.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024

/**
 * Standard output for logs that never holds the process. pino's default destination flushes
 * synchronously when the process exits, and that flush retries a broken pipe forever: a server
 * whose log reader had gone away could not exit on SIGTERM. Built directly on SonicBoom, nothing
 * writes at exit, and a broken pipe (EPIPE, or any other write error) turns logging off instead
 * of failing requests.
 *
 * `sync: false` (the server) writes in the background, so a reader that stops reading costs
 * dropped lines, never a blocked event loop; the server flushes it with a deadline at shutdown.
 * `sync: true` (the default: the CLI and short scripts) writes each line before returning, so a
 * line logged just before `process.exit` is not lost.
 */
export function createLogDestination(options: { fd?: number; sync?: boolean } = {}): LogDestination {
  const sync = options.sync ?? true
  const stream = new SonicBoom({ fd: options.fd ?? 1, sync, ...(sync ? {} : { maxLength: MAX_BUFFERED_BYTES }) })
  let broken = false
  // Bytes handed over and bytes written (or dropped): flushing waits for the two to meet, since
  // SonicBoom's own flush returns at once when it buffers nothing, with a write still under way.
  let submitted = 0
  let settled = 0
  const waiters: Array<() => void> = []
  const settle = (bytes: number) => {
    settled += bytes
    if (settled >= submitted) for (const wake of waiters.splice(0)) wake()
  }
  stream.on('write', settle)
  stream.on('drop', (data: string | Buffer) => settle(Buffer.byteLength(data)))
  stream.on('error', () => {
    broken = true
    for (const wake of waiters.splice(0)) wake()
  })
  return {
    write(line) {
      if (broken) return
      submitted += Buffer.byteLength(line)
      stream.write(line)
    },
    flush(timeoutMs) {
      if (broken || settled >= submitted) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    },
  }
}
