import { describe, expect, it } from 'vitest'
import { createAuth } from '../create-auth.js'
import { ConfigError } from '../errors.js'
import { loadConfigFromEnv } from './env.js'
import { type AuthOptions, DEVELOPMENT_SECRET, resolveOptions } from './options.js'

const STRONG_SECRET = 'a-production-secret-with-32-bytes-or-more'

function configError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

describe('resolveOptions', () => {
  it('fills in every default', () => {
    const resolved = resolveOptions({})
    expect(resolved.secret).toBe(DEVELOPMENT_SECRET)
    expect(resolved.basePath).toBe('/api/auth')
    expect(resolved.passwordMaxLength).toBe(128)
    expect(resolved.passwordMinScore).toBe(0)
    expect(resolved.previousSecrets).toEqual([])
    expect(resolved.allowedOrigins).toEqual([])
    expect(resolved.publicOrigin).toBe('http://localhost:3000')
    expect(resolved.secureCookies).toBe(false)
  })

  it('derives the public origin and Secure cookies from an https public URL', () => {
    const resolved = resolveOptions({ publicUrl: 'https://auth.example.com/app/' })
    expect(resolved.publicOrigin).toBe('https://auth.example.com')
    expect(resolved.secureCookies).toBe(true)
  })

  it('normalises allowed origins to their origin', () => {
    expect(resolveOptions({ allowedOrigins: ['https://app.example.com/some/path'] }).allowedOrigins).toEqual(['https://app.example.com'])
  })

  it('refuses to run in production without a secret', () => {
    const error = configError(() => resolveOptions({ production: true }))
    expect(error.issues).toEqual([expect.objectContaining({ path: 'secret' })])
  })

  it('refuses the development secret and a short secret in production', () => {
    expect(configError(() => resolveOptions({ production: true, secret: DEVELOPMENT_SECRET })).issues[0]?.path).toBe('secret')
    expect(configError(() => resolveOptions({ production: true, secret: 'x'.repeat(31) })).issues[0]?.path).toBe('secret')
    expect(resolveOptions({ production: true, secret: 'x'.repeat(32) }).secret).toBe('x'.repeat(32))
  })

  it('counts the secret in bytes, not characters', () => {
    expect(resolveOptions({ production: true, secret: 'é'.repeat(16) }).secret).toBe('é'.repeat(16))
    expect(() => resolveOptions({ production: true, secret: 'é'.repeat(15) })).toThrow(ConfigError)
  })

  it('refuses a production environment without a strong secret, through the alias as well', () => {
    expect(() => resolveOptions(loadConfigFromEnv({ NODE_ENV: 'production' }))).toThrow(ConfigError)
    expect(() => resolveOptions(loadConfigFromEnv({ NODE_ENV: 'production', MFA_CHALLENGE_SECRET: 'too-short' }))).toThrow(ConfigError)
    expect(resolveOptions(loadConfigFromEnv({ NODE_ENV: 'production', MFA_CHALLENGE_SECRET: STRONG_SECRET })).secret).toBe(STRONG_SECRET)
  })

  it('lists every problem at once, each with its path', () => {
    const error = configError(() =>
      resolveOptions({
        publicUrl: 'nope',
        otpTtlSeconds: 5,
        lockoutThreshold: 0,
        mfaPolicy: 'sometimes' as never,
        sessionIdleTtlSeconds: 7200,
        sessionMaxTtlSeconds: 3600,
        previousSecrets: ['short'],
      }),
    )
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['lockoutThreshold', 'mfaPolicy', 'otpTtlSeconds', 'previousSecrets.0', 'publicUrl'])
  })

  it('refuses an idle lifetime longer than the absolute one', () => {
    const error = configError(() => resolveOptions({ sessionIdleTtlSeconds: 7200, sessionMaxTtlSeconds: 3600 }))
    expect(error.issues.map((issue) => issue.path)).toEqual(['sessionIdleTtlSeconds'])
  })

  it('never mutates the options it is given', () => {
    const input: AuthOptions = {
      publicUrl: 'https://auth.example.com/',
      allowedOrigins: ['https://app.example.com/path'],
      previousSecrets: ['an-older-secret-of-at-least-32-bytes!!'],
      secret: STRONG_SECRET,
    }
    const before = structuredClone(input)
    const resolved = resolveOptions(deepFreeze(input))
    expect(input).toEqual(before)
    expect(resolved.allowedOrigins).not.toBe(input.allowedOrigins)
  })
})

describe('createAuth options', () => {
  it('throws ConfigError before touching the database', () => {
    expect(() => createAuth({ production: true, databaseUrl: 'sqlite:/nonexistent/dir/never-created.db' })).toThrow(ConfigError)
  })

  it('never mutates the caller object', () => {
    const input: AuthOptions = deepFreeze({ databaseUrl: 'sqlite::memory:', allowedOrigins: ['https://app.example.com/x'], lockoutThreshold: 3 })
    const before = structuredClone(input)
    const auth = createAuth(input)
    expect(input).toEqual(before)
    expect(auth.options.allowedOrigins).toEqual(['https://app.example.com'])
    return auth.close()
  })
})
