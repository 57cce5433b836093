import type { Logger } from '../logger.js'

export interface PurgeSchedule {
  /** Stops the timer and waits for a purge that is running. */
  stop(): Promise<void>
}

/**
 * Deletes expired rows now and then every `intervalMs`, so sessions, codes and counters past
 * their end do not pile up in the tables the hot path reads. A failed purge is logged and tried
 * again next time; it never stops the server. Several processes on one PostgreSQL may each run
 * it: the deletes are idempotent.
 */
export function schedulePurge(purge: () => Promise<number>, intervalMs: number, logger: Logger): PurgeSchedule {
  let running: Promise<void> | undefined
  const runOnce = () => {
    // A purge slower than the interval is not started twice.
    running ??= purge()
      .then(
        (deleted) => {
          if (deleted > 0) logger.info({ deleted }, 'expired rows purged')
        },
        (error: unknown) => logger.warn({ err: error }, 'purging expired rows failed; trying again at the next interval'),
      )
      .finally(() => {
        running = undefined
      })
  }
  if (intervalMs <= 0) return { stop: async () => {} }
  runOnce()
  // Unreferenced: the schedule alone never keeps the process running.
  const timer = setInterval(runOnce, intervalMs).unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
