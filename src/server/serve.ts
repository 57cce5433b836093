import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { loadConfigFromEnv } from '../config/env.js'
import { DEVELOPMENT_SECRET } from '../config/options.js'
import { type Auth, createAuth } from '../create-auth.js'
import { createLogDestination } from '../log-destination.js'
import { createLogger, type Logger } from '../logger.js'
import { createServerApp } from './app.js'
import { schedulePurge } from './purge-schedule.js'
import { redactUrl } from './redact.js'
import { readServerEnv, type ServerSettings } from './server-env.js'

type Env = Record<string, string | undefined>

export interface RunningServer {
  /** Where the server listens, with the port actually bound. */
  url: string
  auth: Auth
  /** Stops accepting, lets in-flight requests and mail finish within SHUTDOWN_TIMEOUT, then closes the store; true when all finished in time. */
  close(): Promise<boolean>
}

export interface StartOptions {
  /** False in a `--workers` worker: the primary has migrated before forking (src/server/cluster.ts). */
  migrate?: boolean
}

/**
 * Starts the standalone server from the environment: migrates, then listens.
 * @throws ConfigError for an invalid environment; Error when the database does not answer or the port is taken.
 */
export async function startServer(
  env: Env = process.env,
  logger: Logger = createLogger(env.LOG_LEVEL ?? 'info'),
  options: StartOptions = {},
): Promise<RunningServer> {
  const settings = readServerEnv(env)
  // Without PUBLIC_URL, mailed links and the CSRF origin follow the port actually served, so
  // `PORT=8080 npm start` works in a browser as it is.
  const sameHost = !env.PUBLIC_URL?.trim() && settings.port !== 0 ? { publicUrl: `http://localhost:${settings.port}` } : {}
  const auth = createAuth({ ...sameHost, ...loadConfigFromEnv(env), logger })
  try {
    await prepareDatabase(auth, settings, logger, options.migrate ?? true)
    return await listen(auth, settings, logger)
  } catch (error) {
    await auth.close()
    throw error
  }
}

/**
 * What the `--workers` primary does once before forking: checks the database and migrates.
 * @throws ConfigError for an invalid environment; Error when the database does not answer.
 */
export async function prepareForWorkers(env: Env, logger: Logger): Promise<void> {
  const settings = readServerEnv(env)
  const auth = createAuth({ ...loadConfigFromEnv(env), logger })
  try {
    await prepareDatabase(auth, settings, logger, true)
  } finally {
    await auth.close()
  }
}

async function prepareDatabase(auth: Auth, settings: ServerSettings, logger: Logger, migrate: boolean): Promise<void> {
  const database = redactUrl(auth.options.databaseUrl)
  if (!(await auth.ready())) throw new Error(`The database at ${database} does not answer`)
  if (!migrate) return
  // SQLite always migrates: the file belongs to this process. Kysely's Migrator takes a lock on
  // PostgreSQL, so several processes starting at once apply each migration once.
  const isSqlite = auth.options.databaseUrl.startsWith('sqlite:')
  if (isSqlite || settings.autoMigrate) {
    await auth.migrate()
    logger.info({ database }, 'database migrated')
  } else {
    logger.info({ database }, 'automatic migration off (PORTCULLIS_AUTO_MIGRATE=false); run `portcullis migrate` on upgrades')
  }
}

async function listen(auth: Auth, settings: ServerSettings, logger: Logger): Promise<RunningServer> {
  if (auth.options.secret === DEVELOPMENT_SECRET) {
    logger.warn(
      'WARNING: PORTCULLIS_SECRET is not set, so the built-in development secret is in use. Anyone can forge tokens ' +
        'and read TOTP secrets with it. Before real users sign up, set one made by `portcullis secret` ' +
        '(from a checkout: `npx portcullis secret`), e.g. export PORTCULLIS_SECRET="$(npx portcullis secret)".',
    )
  }
  const app = createServerApp(auth, settings.ui, settings.ops)
  const server = createAdaptorServer({ fetch: app.fetch }) as Server
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${settings.port} on ${settings.host} is already in use (set PORT)`, { cause: error }) : error)
    }
    server.once('error', onError)
    server.listen(settings.port, settings.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : settings.port
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const url = `http://${host}:${port}`
  logger.info({ url, api: `${url}${auth.options.basePath}`, publicUrl: auth.options.publicUrl }, `Portcullis listening on ${url}`)

  const purging = schedulePurge(auth.purgeExpired, settings.purgeIntervalMs, logger)
  let closing: Promise<boolean> | undefined
  const close = () => {
    closing ??= purging.stop().then(() => shutDown(server, auth, settings.shutdownTimeoutMs, logger))
    return closing
  }
  return { url, auth, close }
}

/** Resolves true when `work` settles within `ms`, false when the time ran out first. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms))
  })
  const done = work.then(
    () => true as const,
    () => true as const,
  )
  try {
    return await Promise.race([done, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Stops accepting, lets requests in flight finish, sends queued mail and closes the store, all
 * within `timeoutMs` (SHUTDOWN_TIMEOUT): a request that hangs, or a mail server that stopped
 * answering, cannot hold the process. True when everything finished in time.
 */
async function shutDown(server: Server, auth: Auth, timeoutMs: number, logger: Logger): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  logger.info({ timeoutMs }, 'shutting down: no new connections, waiting for requests in flight')
  const drained = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  // Keep-alive connections that finish a request while draining are closed as soon as they idle.
  const sweep = setInterval(() => server.closeIdleConnections(), 100)
  const requestsDone = await within(drained, timeoutMs)
  clearInterval(sweep)
  if (!requestsDone) {
    logger.warn({ timeoutMs }, 'requests still running at SHUTDOWN_TIMEOUT; closing their connections')
    server.closeAllConnections()
  }
  const closed = await within(auth.close(), deadline - Date.now())
  if (!closed) logger.warn({ timeoutMs }, 'mail or the database did not finish by SHUTDOWN_TIMEOUT; exiting without them')
  logger.info('stopped')
  return requestsDone && closed
}

// Log lines still buffered at exit get this long to reach a reader that is still there.
const LOG_FLUSH_MS = 1000

/**
 * Runs the server until SIGTERM or SIGINT, then shuts down within SHUTDOWN_TIMEOUT; a second
 * signal forces the exit. True when the shutdown finished everything in time.
 */
export async function serveUntilSignal(env: Env = process.env): Promise<boolean> {
  const destination = createLogDestination({ sync: false })
  const logger = createLogger(env.LOG_LEVEL ?? 'info', destination)
  const running = await startServer(env, logger)
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  logger.info({ signal }, 'signal received')
  const force = () => {
    logger.warn('second signal: exiting without waiting')
    process.exit(1)
  }
  process.once('SIGTERM', force)
  process.once('SIGINT', force)
  const clean = await running.close()
  await destination.flush(LOG_FLUSH_MS)
  return clean
}
