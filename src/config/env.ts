import { ConfigError, type ConfigIssue } from '../errors.js'
import { parseDurationSeconds } from './duration.js'
import { type AuthOptions, optionsSchema } from './options.js'

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
  const flag = (name: string): boolean | undefined => {
    const value = text(name)?.toLowerCase()
    if (value === undefined) return undefined
    if (['true', '1', 'yes', 'on'].includes(value)) return true
    if (['false', '0', 'no', 'off'].includes(value)) return false
    issues.push({ path: name, message: `"${value}" is not true or false` })
    return undefined
  }
  const list = (name: string): string[] | undefined =>
    text(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean)

  // "10/1h": a count per window.
  const rate = (name: string): { limit: number; windowSeconds: number } | undefined => {
    const value = text(name)
    if (value === undefined) return undefined
    const [count, window] = value.split('/')
    const windowSeconds = window === undefined ? null : parseDurationSeconds(window.trim())
    if (!count || !/^\d+$/.test(count.trim()) || windowSeconds === null) {
      issues.push({ path: name, message: `"${value}" is not a rate such as 10/1h` })
      return undefined
    }
    return { limit: Number(count.trim()), windowSeconds }
  }
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
    emailSecondFactor: flag('MFA_EMAIL_SECOND_FACTOR'),
    verifyEmailOnSignUp: flag('EMAIL_VERIFY_ON_SIGNUP'),
    requireVerifiedEmailForOtp: flag('OTP_REQUIRE_VERIFIED_EMAIL'),
    basePath: env.API_BASE_PATH?.trim(),
    compat: list('COMPAT'),
    oidcEnabled: flag('OIDC_ENABLED'),
    oidcIssuer: text('OIDC_ISSUER'),
    hashQueueLimit: text('HASH_QUEUE_LIMIT')?.toLowerCase() === 'auto' ? 'auto' : integer('HASH_QUEUE_LIMIT'),
    signupMode: text('SIGNUP_MODE') as AuthOptions['signupMode'],
    signupRateLimit: rate('SIGNUP_RATE_LIMIT'),
  }
  // Each value is also checked against createAuth's schema, so one error names every bad variable.
  const reported = new Set(issues.map((issue) => issue.path))
  for (const [key, value] of Object.entries(options)) {
    const name = ENV_NAMES[key as keyof typeof ENV_NAMES]
    if (value === undefined || !name || reported.has(name)) continue
    const result = optionsSchema.shape[key as keyof typeof ENV_NAMES].safeParse(value)
    if (!result.success) issues.push({ path: name, message: result.error.issues.map((issue) => issue.message).join('; ') })
  }
  if (issues.length > 0) throw new ConfigError(issues)
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as AuthOptions
}

const ENV_NAMES = {
  databaseUrl: 'DATABASE_URL',
  secret: 'PORTCULLIS_SECRET',
  publicUrl: 'PUBLIC_URL',
  smtpUrl: 'SMTP_URL',
  mailFrom: 'MAIL_FROM',
  otpTtlSeconds: 'MFA_OTP_TTL',
  challengeTtlSeconds: 'MFA_CHALLENGE_TTL',
  lockoutThreshold: 'MFA_LOCKOUT_THRESHOLD',
  lockoutMinutes: 'MFA_LOCKOUT_MINUTES',
  passwordMinLength: 'MFA_PW_MIN_LEN',
  trustDeviceDays: 'MFA_TRUST_DEVICE_DAYS',
  recoveryDelaySeconds: 'MFA_RECOVERY_DELAY',
  sessionIdleTtlSeconds: 'SESSION_IDLE_TTL',
  sessionMaxTtlSeconds: 'SESSION_MAX_TTL',
  trustProxy: 'TRUST_PROXY',
  mfaPolicy: 'MFA_POLICY',
  totpIssuer: 'TOTP_ISSUER',
  adminToken: 'PORTCULLIS_ADMIN_TOKEN',
  allowedOrigins: 'ALLOWED_ORIGINS',
  allowedRedirects: 'ALLOWED_REDIRECTS',
  emailSecondFactor: 'MFA_EMAIL_SECOND_FACTOR',
  verifyEmailOnSignUp: 'EMAIL_VERIFY_ON_SIGNUP',
  requireVerifiedEmailForOtp: 'OTP_REQUIRE_VERIFIED_EMAIL',
  basePath: 'API_BASE_PATH',
  compat: 'COMPAT',
  oidcEnabled: 'OIDC_ENABLED',
  oidcIssuer: 'OIDC_ISSUER',
  hashQueueLimit: 'HASH_QUEUE_LIMIT',
  signupMode: 'SIGNUP_MODE',
  signupRateLimit: 'SIGNUP_RATE_LIMIT',
} as const

function minutesOf(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.ceil(seconds / 60)
}
