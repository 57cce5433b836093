import { ConfigError, type ConfigIssue } from '../errors.js'
import { parseDurationSeconds } from './duration.js'
import type { AuthOptions } from './options.js'

type Env = Record<string, string | undefined>

/**
 * Maps the environment table of the HTTP contract onto createAuth options.
 * Only turns strings into values; validation and defaults stay in the options schema.
 * @throws ConfigError when a value cannot be read (e.g. `MFA_OTP_TTL=soon`).
 */
export function loadConfigFromEnv(env: Env = process.env): AuthOptions {
  const issues: ConfigIssue[] = []
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim()
    return value ? value : undefined
  }
  const seconds = (name: string): number | undefined => {
    const value = text(name)
    if (value === undefined) return undefined
    const parsed = parseDurationSeconds(value)
    if (parsed === null) issues.push({ path: name, message: `"${value}" is not a duration such as 30s, 5m, 1h or 2d` })
    return parsed ?? undefined
  }
  const integer = (name: string): number | undefined => {
    const value = text(name)
    if (value === undefined) return undefined
    if (!/^\d+$/.test(value)) issues.push({ path: name, message: `"${value}" is not a whole number` })
    return Number(value)
  }
  const list = (name: string): string[] | undefined =>
    text(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean)

  const lockoutMinutes = text('MFA_LOCKOUT_MINUTES')
  const options: AuthOptions = {
    databaseUrl: text('DATABASE_URL'),
    secret: text('PORTCULLIS_SECRET') ?? text('MFA_CHALLENGE_SECRET'),
    production: env.NODE_ENV === 'production',
    publicUrl: text('PUBLIC_URL'),
    smtpUrl: text('SMTP_URL'),
    mailFrom: text('MAIL_FROM'),
    otpTtlSeconds: seconds('MFA_OTP_TTL'),
    challengeTtlSeconds: seconds('MFA_CHALLENGE_TTL'),
    lockoutThreshold: integer('MFA_LOCKOUT_THRESHOLD'),
    // A bare number means minutes here, as the variable's name says; "1h" is accepted too.
    lockoutMinutes: lockoutMinutes && /^\d+$/.test(lockoutMinutes) ? Number(lockoutMinutes) : minutesOf(seconds('MFA_LOCKOUT_MINUTES')),
    passwordMinLength: integer('MFA_PW_MIN_LEN'),
    trustDeviceDays: integer('MFA_TRUST_DEVICE_DAYS'),
    recoveryDelaySeconds: seconds('MFA_RECOVERY_DELAY'),
    sessionIdleTtlSeconds: seconds('SESSION_IDLE_TTL'),
    sessionMaxTtlSeconds: seconds('SESSION_MAX_TTL'),
    trustProxy: integer('TRUST_PROXY'),
    mfaPolicy: text('MFA_POLICY') as AuthOptions['mfaPolicy'],
    totpIssuer: text('TOTP_ISSUER'),
    adminToken: text('PORTCULLIS_ADMIN_TOKEN'),
    allowedOrigins: list('ALLOWED_ORIGINS'),
    allowedRedirects: list('ALLOWED_REDIRECTS'),
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as AuthOptions
}

function minutesOf(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.ceil(seconds / 60)
}
