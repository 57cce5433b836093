import { ConfigError, type ConfigIssue } from '../errors.js'

type Env = Record<string, string | undefined>

/** Settings of the standalone server that are not options of createAuth. */
export interface ServerSettings {
  port: number
  host: string
  /** Run pending migrations before listening. Always on for SQLite. */
  autoMigrate: boolean
  /** How long in-flight requests may take to finish once shutdown starts. */
  shutdownGraceMs: number
}

/**
 * Reads PORT, HOST and PORTCULLIS_AUTO_MIGRATE.
 * @throws ConfigError listing every unreadable value.
 */
export function readServerEnv(env: Env = process.env): ServerSettings {
  const issues: ConfigIssue[] = []
  const portText = env.PORT?.trim() || '3000'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65_535) issues.push({ path: 'PORT', message: `"${portText}" is not a port number (0-65535)` })
  const migrateText = env.PORTCULLIS_AUTO_MIGRATE?.trim().toLowerCase() || 'true'
  if (!['true', 'false', '1', '0'].includes(migrateText)) {
    issues.push({ path: 'PORTCULLIS_AUTO_MIGRATE', message: `"${migrateText}" is not true or false` })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return {
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    autoMigrate: migrateText === 'true' || migrateText === '1',
    shutdownGraceMs: 10_000,
  }
}
