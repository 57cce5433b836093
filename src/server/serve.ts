import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { loadConfigFromEnv } from '../config/env.js'
import { DEVELOPMENT_SECRET } from '../config/options.js'
import { type Auth, createAuth } from '../create-auth.js'
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
  /** Stops accepting, lets in-flight requests finish (bounded), then closes the store. */
  close(): Promise<void>
}

/**
 * Starts the standalone server from the environment: migrates, then listens.
 * @throws ConfigError for an invalid environment; Error when the database does not answer or the port is taken.
 */
export interface StartOptions {
  /** False in a `--workers` worker: the primary has migrated before forking (src/server/cluster.ts). */
  migrate?: boolean
}

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
        'and read TOTP secrets with it. Set PORTCULLIS_SECRET to at least 32 random bytes before real users sign up.',
    )
  }
  const app = createServerApp(auth, settings.ui)
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
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= purging.stop().then(() => shutDown(server, auth, settings.shutdownGraceMs, logger))
    return closing
  }
  return { url, auth, close }
}

async function shutDown(server: Server, auth: Auth, graceMs: number, logger: Logger): Promise<void> {
  logger.info('shutting down: no new connections, waiting for requests in flight')
  const drained = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const timer = setTimeout(() => {
    logger.warn({ graceMs }, 'requests still running after the grace period; closing their connections')
    server.closeAllConnections()
  }, graceMs)
  // Keep-alive connections that finish a request while draining are closed as soon as they idle.
  const sweep = setInterval(() => server.closeIdleConnections(), 100)
  await drained
  clearTimeout(timer)
  clearInterval(sweep)
  await auth.close()
  logger.info('stopped')
}

/** Runs the server until SIGTERM or SIGINT, then shuts down gracefully; a second signal forces the exit. */
export async function serveUntilSignal(env: Env = process.env): Promise<void> {
  const logger = createLogger(env.LOG_LEVEL ?? 'info')
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
  await running.close()
}
