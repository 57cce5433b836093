import { parseDurationSeconds } from '../config/duration.js'
import { ConfigError, type ConfigIssue } from '../errors.js'

type Env = Record<string, string | undefined>

/** Settings of the standalone server that are not options of createAuth. */
export interface ServerSettings {
  port: number
  host: string
  /** Run pending migrations before listening. Always on for SQLite. */
  autoMigrate: boolean
  /** SHUTDOWN_TIMEOUT: how long requests in flight and queued mail may take once shutdown starts; then the process exits anyway. */
  shutdownTimeoutMs: number
  /** How often expired rows are deleted; 0 leaves it to `portcullis purge` or the library's purgeExpired. */
  purgeIntervalMs: number
  ui: UiSettings
}

/** The web UI served beside the API. */
export interface UiSettings {
  enabled: boolean
  /** The name in titles and headings; unset means TOTP_ISSUER. */
  productName?: string
  /** A CSS hex colour (#rgb or #rrggbb) for buttons and links; unset keeps the built-in one. */
  accentColor?: string
}

/**
 * Reads PORT, HOST, PORTCULLIS_AUTO_MIGRATE, PURGE_INTERVAL_MINUTES, SHUTDOWN_TIMEOUT and the web UI's UI_ENABLED, UI_PRODUCT_NAME, UI_ACCENT_COLOR.
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
  const purgeText = env.PURGE_INTERVAL_MINUTES?.trim() || '15'
  const purgeMinutes = Number(purgeText)
  if (!/^\d+$/.test(purgeText) || purgeMinutes > 1440)
    issues.push({ path: 'PURGE_INTERVAL_MINUTES', message: `"${purgeText}" is not a whole number of minutes (0-1440)` })
  const shutdownText = env.SHUTDOWN_TIMEOUT?.trim() || '10s'
  const shutdownSeconds = parseDurationSeconds(shutdownText)
  if (shutdownSeconds === null || shutdownSeconds < 1 || shutdownSeconds > 3600) {
    issues.push({ path: 'SHUTDOWN_TIMEOUT', message: `"${shutdownText}" is not a duration between 1s and 1h (e.g. 10s, 2m)` })
  }
  const uiText = env.UI_ENABLED?.trim().toLowerCase() || 'true'
  if (!['true', 'false', '1', '0'].includes(uiText)) issues.push({ path: 'UI_ENABLED', message: `"${uiText}" is not true or false` })
  const productName = env.UI_PRODUCT_NAME?.trim() || undefined
  if (productName && productName.length > 64) issues.push({ path: 'UI_PRODUCT_NAME', message: 'must be at most 64 characters' })
  const accentColor = env.UI_ACCENT_COLOR?.trim() || undefined
  // Checked strictly: the value is written into the stylesheet.
  if (accentColor && !/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(accentColor)) {
    issues.push({ path: 'UI_ACCENT_COLOR', message: `"${accentColor}" is not a CSS hex colour such as #1d4ed8` })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return {
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    autoMigrate: migrateText === 'true' || migrateText === '1',
    shutdownTimeoutMs: (shutdownSeconds ?? 10) * 1000,
    purgeIntervalMs: purgeMinutes * 60_000,
    ui: { enabled: uiText === 'true' || uiText === '1', ...(productName ? { productName } : {}), ...(accentColor ? { accentColor } : {}) },
  }
}
