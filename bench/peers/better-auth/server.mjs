// better-auth as the benchmark's peer: email+password and the twoFactor plugin (TOTP), defaults
// otherwise, rate limiting off so the load is not refused. It runs on the same driver
// (better-sqlite3, in WAL mode like Portcullis, or a pg pool with --pg) and the same HTTP stack
// (@hono/node-server), both resolved from the repository's own node_modules.
import { serve } from '@hono/node-server'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { twoFactor } from 'better-auth/plugins'
import Database from 'better-sqlite3'
import pg from 'pg'

const port = Number(process.env.PORT)
const baseURL = `http://127.0.0.1:${port}`
const databaseUrl = process.env.DATABASE_URL ?? ''

function openDatabase() {
  if (databaseUrl.startsWith('postgres')) return new pg.Pool({ connectionString: databaseUrl, max: 10 })
  const db = new Database(databaseUrl.replace(/^sqlite:/, ''))
  db.pragma('journal_mode = WAL')
  return db
}

const options = {
  appName: 'Bench',
  baseURL,
  secret: process.env.BETTER_AUTH_SECRET,
  database: openDatabase(),
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [twoFactor()],
}

const { runMigrations } = await getMigrations(options)
await runMigrations()
const auth = betterAuth(options)

const server = serve({ fetch: auth.handler, hostname: '127.0.0.1', port }, () => {
  process.send?.({ type: 'ready', origin: baseURL, version: process.env.npm_package_version })
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
process.on('disconnect', () => process.exit(0))
