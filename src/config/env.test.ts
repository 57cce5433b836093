import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfigFromEnv } from './env.js'
import { resolveOptions } from './options.js'

const STRONG_SECRET = 'x'.repeat(32)

function configError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfigFromEnv', () => {
  it('gives no options for an empty environment, so every default applies', () => {
    expect(loadConfigFromEnv({})).toEqual({ production: false })
    const resolved = resolveOptions(loadConfigFromEnv({}))
    expect(resolved).toMatchObject({
      databaseUrl: 'sqlite:./data/portcullis.db',
      publicUrl: 'http://localhost:3000',
      otpTtlSeconds: 300,
      challengeTtlSeconds: 300,
      lockoutThreshold: 5,
      lockoutMinutes: 15,
      passwordMinLength: 12,
      trustDeviceDays: 30,
      recoveryDelaySeconds: 86_400,
      sessionIdleTtlSeconds: 3600,
      sessionMaxTtlSeconds: 86_400,
      trustProxy: 0,
      mfaPolicy: 'optional',
      totpIssuer: 'Portcullis',
    })
  })

  it('reads durations such as 5m, 1h and 24h as seconds', () => {
    const options = loadConfigFromEnv({
      MFA_OTP_TTL: '5m',
      MFA_CHALLENGE_TTL: '90s',
      MFA_RECOVERY_DELAY: '2d',
      SESSION_IDLE_TTL: '1h',
      SESSION_MAX_TTL: '24h',
    })
    expect(options).toMatchObject({
      otpTtlSeconds: 300,
      challengeTtlSeconds: 90,
      recoveryDelaySeconds: 172_800,
      sessionIdleTtlSeconds: 3600,
      sessionMaxTtlSeconds: 86_400,
    })
  })

  it('reads MFA_LOCKOUT_MINUTES as minutes, or as a duration with a unit', () => {
    expect(loadConfigFromEnv({ MFA_LOCKOUT_MINUTES: '15' }).lockoutMinutes).toBe(15)
    expect(loadConfigFromEnv({ MFA_LOCKOUT_MINUTES: '1h' }).lockoutMinutes).toBe(60)
  })

  it('reads SIGNUP_MODE and SIGNUP_RATE_LIMIT as a count per window, defaulting to open and 10/1h', () => {
    expect(resolveOptions(loadConfigFromEnv({}))).toMatchObject({ signupMode: 'open', signupRateLimit: { limit: 10, windowSeconds: 3600 } })
    expect(loadConfigFromEnv({ SIGNUP_MODE: 'verify_first', SIGNUP_RATE_LIMIT: '25/30m' })).toMatchObject({
      signupMode: 'verify_first',
      signupRateLimit: { limit: 25, windowSeconds: 1800 },
    })
    const error = configError(() => loadConfigFromEnv({ SIGNUP_MODE: 'sometimes', SIGNUP_RATE_LIMIT: 'lots' }))
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['SIGNUP_MODE', 'SIGNUP_RATE_LIMIT'])
  })

  it('reads whole numbers', () => {
    expect(loadConfigFromEnv({ MFA_LOCKOUT_THRESHOLD: '7', MFA_PW_MIN_LEN: '14', MFA_TRUST_DEVICE_DAYS: '0', TRUST_PROXY: '1' })).toMatchObject({
      lockoutThreshold: 7,
      passwordMinLength: 14,
      trustDeviceDays: 0,
      trustProxy: 1,
    })
  })

  it('splits comma lists, trimming and dropping empty items', () => {
    const options = loadConfigFromEnv({ ALLOWED_ORIGINS: ' https://a.example , https://b.example,,', ALLOWED_REDIRECTS: 'https://c.example' })
    expect(options.allowedOrigins).toEqual(['https://a.example', 'https://b.example'])
    expect(options.allowedRedirects).toEqual(['https://c.example'])
  })

  it('reads the secret from PORTCULLIS_SECRET, or from its alias MFA_CHALLENGE_SECRET', () => {
    expect(loadConfigFromEnv({ MFA_CHALLENGE_SECRET: 'alias-secret' }).secret).toBe('alias-secret')
    expect(loadConfigFromEnv({ PORTCULLIS_SECRET: 'main-secret', MFA_CHALLENGE_SECRET: 'alias-secret' }).secret).toBe('main-secret')
    expect(loadConfigFromEnv({ PORTCULLIS_SECRET: '  ', MFA_CHALLENGE_SECRET: 'alias-secret' }).secret).toBe('alias-secret')
  })

  it('reads the remaining variables as text', () => {
    const env = {
      DATABASE_URL: 'postgres://db/auth',
      PUBLIC_URL: 'https://auth.example.com',
      SMTP_URL: 'smtp://mail:25',
      MAIL_FROM: 'Auth <auth@example.com>',
      MFA_POLICY: 'required',
      TOTP_ISSUER: 'Example',
      PORTCULLIS_ADMIN_TOKEN: 'an-admin-token-long-enough',
    }
    expect(loadConfigFromEnv(env)).toMatchObject({
      databaseUrl: 'postgres://db/auth',
      publicUrl: 'https://auth.example.com',
      smtpUrl: 'smtp://mail:25',
      mailFrom: 'Auth <auth@example.com>',
      mfaPolicy: 'required',
      totpIssuer: 'Example',
      adminToken: 'an-admin-token-long-enough',
    })
  })

  it('treats NODE_ENV=production as production', () => {
    expect(loadConfigFromEnv({ NODE_ENV: 'production', PORTCULLIS_SECRET: STRONG_SECRET }).production).toBe(true)
    expect(loadConfigFromEnv({ NODE_ENV: 'development' }).production).toBe(false)
  })

  it('lists every unreadable value at once, each under its variable name', () => {
    const error = configError(() =>
      loadConfigFromEnv({ MFA_OTP_TTL: 'soon', SESSION_MAX_TTL: '1.5h', MFA_LOCKOUT_THRESHOLD: 'five', TRUST_PROXY: 'yes', MFA_LOCKOUT_MINUTES: 'later' }),
    )
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'MFA_LOCKOUT_MINUTES',
      'MFA_LOCKOUT_THRESHOLD',
      'MFA_OTP_TTL',
      'SESSION_MAX_TTL',
      'TRUST_PROXY',
    ])
    expect(error.message).toContain('MFA_OTP_TTL')
    expect(error.message).toContain('TRUST_PROXY')
  })

  it('lists values that read fine but break the rules together with unreadable ones', () => {
    const error = configError(() => loadConfigFromEnv({ MFA_OTP_TTL: 'soon', MFA_POLICY: 'sometimes', PUBLIC_URL: 'not a url', MFA_LOCKOUT_THRESHOLD: '0' }))
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['MFA_LOCKOUT_THRESHOLD', 'MFA_OTP_TTL', 'MFA_POLICY', 'PUBLIC_URL'])
  })

  it('does not change the environment it reads', () => {
    const env = { MFA_OTP_TTL: '5m', ALLOWED_ORIGINS: 'https://a.example, https://b.example', PORTCULLIS_SECRET: ` ${STRONG_SECRET} ` }
    const before = structuredClone(env)
    loadConfigFromEnv(Object.freeze(env))
    expect(env).toEqual(before)
  })
})

describe('loadConfigFromEnv: HASH_QUEUE_LIMIT', () => {
  it('reads auto or a whole number, and leaves auto as the default', () => {
    expect(resolveOptions(loadConfigFromEnv({})).hashQueueLimit).toBe('auto')
    expect(loadConfigFromEnv({ HASH_QUEUE_LIMIT: 'AUTO' }).hashQueueLimit).toBe('auto')
    expect(loadConfigFromEnv({ HASH_QUEUE_LIMIT: '200' }).hashQueueLimit).toBe(200)
    expect(loadConfigFromEnv({ HASH_QUEUE_LIMIT: '0' }).hashQueueLimit).toBe(0)
  })

  it('refuses anything else under its name', () => {
    for (const value of ['many', '-1', '1.5']) expect(() => loadConfigFromEnv({ HASH_QUEUE_LIMIT: value })).toThrow(/HASH_QUEUE_LIMIT/)
  })
})
