import cluster, { type Worker } from 'node:cluster'
import { createLogDestination } from '../log-destination.js'
import { createLogger } from '../logger.js'
import { prepareForWorkers, startServer } from './serve.js'
import { readServerEnv } from './server-env.js'

type Env = Record<string, string | undefined>

const LISTENING = 'portcullis:listening'
const SHUTDOWN = 'portcullis:shutdown'
// A worker that dies is replaced after 1 s, doubling while they keep dying young, up to 30 s.
const FIRST_RESTART_MS = 1_000
const LAST_RESTART_MS = 30_000
const YOUNG_MS = 10_000
// Beyond the workers' own SHUTDOWN_TIMEOUT: flushing their logs, exiting.
const SHUTDOWN_MARGIN_MS = 5_000
const LOG_FLUSH_MS = 1_000

export interface PrimaryOptions {
  /** Called once every worker listens, with the URL and the workers' pids (the bench watches them). */
  onListening?(url: string, pids: number[]): void
}

/**
 * `portcullis serve --workers N`: the primary migrates once, forks N workers that share the port
 * (node:cluster hands out connections) and everything else through the store, replaces a worker
 * that crashes, and on SIGTERM or SIGINT tells every worker to shut down gracefully and exits once
 * they have; a second signal, or workers outstaying their grace period, ends them with SIGKILL.
 * Returns the exit code: 0 after a clean shutdown; 1 when a worker could not start, or did not
 * finish its requests and mail within SHUTDOWN_TIMEOUT.
 */
export async function servePrimary(count: number, env: Env, options: PrimaryOptions = {}): Promise<number> {
  const logger = createLogger(env.LOG_LEVEL ?? 'info')
  const settings = readServerEnv(env)
  await prepareForWorkers(env, logger)

  const started = new Map<Worker, { at: number; listening: boolean }>()
  let stopping = false
  let failed = false
  // A worker that exited non-zero while stopping could not finish in time (or was killed).
  let unclean = false
  let youngDeaths = 0
  let allStarted = false
  let url = ''
  let killTimer: NodeJS.Timeout | undefined
  let allListening: () => void = () => {}
  let allExited: () => void = () => {}
  const listening = new Promise<void>((resolve) => {
    allListening = resolve
  })
  const exited = new Promise<void>((resolve) => {
    allExited = resolve
  })

  const fork = () => {
    const worker = cluster.fork(env)
    started.set(worker, { at: Date.now(), listening: false })
    worker.on('message', (message: { type?: string; url?: string }) => {
      const state = started.get(worker)
      if (message?.type !== LISTENING || !state) return
      state.listening = true
      url = message.url ?? url
      if ([...started.values()].every((each) => each.listening)) allListening()
    })
  }

  const stop = (reason: string) => {
    if (stopping) return
    stopping = true
    logger.info({ reason, workers: started.size }, 'stopping workers')
    for (const worker of started.keys()) if (worker.isConnected()) worker.send({ type: SHUTDOWN })
    killTimer = setTimeout(() => {
      logger.warn('workers still running after their grace period; killing them')
      for (const worker of started.keys()) worker.process.kill('SIGKILL')
    }, settings.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS)
    if (started.size === 0) allExited()
  }

  cluster.on('exit', (worker, code, signal) => {
    const state = started.get(worker)
    started.delete(worker)
    if (stopping) {
      if (code !== 0) unclean = true
      if (started.size === 0) allExited()
      return
    }
    if (!allStarted) {
      // At start, a worker that dies fails the same way on every try (port taken, bad config).
      logger.error({ pid: worker.process.pid, code, signal }, 'a worker exited before it listened; stopping')
      failed = true
      stop('worker failed to start')
      return
    }
    youngDeaths = state && Date.now() - state.at < YOUNG_MS ? youngDeaths + 1 : 0
    const delay = Math.min(LAST_RESTART_MS, FIRST_RESTART_MS * 2 ** youngDeaths)
    logger.error({ pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; starting another')
    setTimeout(() => {
      if (!stopping) fork()
    }, delay)
  })

  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) return stop(signal)
    logger.warn({ signal }, 'second signal: killing workers')
    for (const worker of started.keys()) worker.process.kill('SIGKILL')
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  for (let i = 0; i < count; i++) fork()
  await Promise.race([
    listening.then(() => {
      allStarted = true
      const pids = [...started.keys()].map((worker) => worker.process.pid as number)
      options.onListening?.(url, pids)
      logger.info({ url, workers: pids }, `${count} workers listening`)
    }),
    exited,
  ])
  await exited
  clearTimeout(killTimer)
  process.off('SIGTERM', onSignal)
  process.off('SIGINT', onSignal)
  logger.info('all workers stopped')
  return failed || unclean ? 1 : 0
}

/**
 * One worker: serves until the primary says stop (or goes away), or a signal reaches it directly
 * (Ctrl-C reaches the whole process group). Every later signal is the primary's to act on.
 */
export async function serveWorker(env: Env): Promise<boolean> {
  // As serveUntilSignal's: lines written in the background, flushed with a deadline at the end.
  const destination = createLogDestination({ sync: false })
  const logger = createLogger(env.LOG_LEVEL ?? 'info', destination)
  const running = await startServer(env, logger, { migrate: false })
  process.send?.({ type: LISTENING, url: running.url })
  const reason = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
    process.on('message', (message: { type?: string }) => {
      if (message?.type === SHUTDOWN) resolve('primary')
    })
    process.once('disconnect', () => resolve('primary gone'))
  })
  process.on('SIGTERM', () => {})
  process.on('SIGINT', () => {})
  logger.info({ reason }, 'worker stopping')
  const clean = await running.close()
  await destination.flush(LOG_FLUSH_MS)
  return clean
}

export const isWorker = () => cluster.isWorker
