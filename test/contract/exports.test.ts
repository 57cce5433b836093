import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as main from '../../src/index.js'
import * as testing from '../../src/testing.js'

// API.md, "Error codes": the contract's table, status by code.
const API_ERROR_CODES = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_code: 400,
  challenge_invalid: 400,
  csrf_failed: 403,
  step_up_required: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  weak_password: 422,
  too_many_requests: 429,
  mfa_enrollment_required: 403,
  account_disabled: 403,
  internal_error: 500,
  service_unavailable: 503,
}

const AUDIT_EVENT_TYPES = [
  'sign_in_succeeded',
  'sign_in_failed',
  'mfa_challenge_issued',
  'mfa_challenge_failed',
  'mfa_challenge_completed',
  'factor_enrolled',
  'factor_disabled',
  'recovery_codes_generated',
  'recovery_code_used',
  'account_locked',
  'account_unlocked',
  'admin_mfa_reset',
  'trusted_device_added',
  'trusted_device_revoked',
  'password_changed',
  'password_reset',
  'session_revoked',
  'mfa_recovery_requested',
  'mfa_recovery_cancelled',
  'mfa_recovery_completed',
  'step_up_completed',
  'passkey_added',
  'passkey_removed',
  'account_created',
  'account_deleted',
  'account_disabled',
  'account_enabled',
]

// The OpenID provider's events (issue 15; README "Single sign-on" documents them), which API.md's list does not have yet.
const OIDC_AUDIT_EVENT_TYPES = [
  'oidc_authorization_granted',
  'oidc_token_issued',
  'oidc_refresh_token_rotated',
  'oidc_refresh_token_replayed',
  'oidc_consent_given',
  'oidc_consent_revoked',
  'oidc_grant_revoked',
]

describe('public surface', () => {
  it('exports createAuth, loadConfigFromEnv, PortcullisError, ConfigError and ERROR_STATUS from the main entry', () => {
    expect(typeof main.createAuth).toBe('function')
    expect(typeof main.loadConfigFromEnv).toBe('function')
    expect(typeof main.PortcullisError).toBe('function')
    expect(typeof main.ConfigError).toBe('function')
    expect(typeof main.ERROR_STATUS).toBe('object')
    expect(new main.PortcullisError('conflict', 'x')).toBeInstanceOf(Error)
    expect(new main.ConfigError([{ path: 'a', message: 'b' }])).toBeInstanceOf(Error)
  })

  it('exports createFixedClock and createMemoryMailer from ./testing', async () => {
    const clock = testing.createFixedClock(new Date('2026-01-01T00:00:00Z'))
    clock.advance(1500)
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.500Z')
    const mailer = testing.createMemoryMailer()
    await mailer.send({ to: 'a@example.com', subject: 's', text: 't' })
    expect(mailer.lastTo('a@example.com')?.subject).toBe('s')
  })

  it('keeps src/index.ts a flat list of named re-exports', () => {
    const source = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8')
    expect(source).not.toMatch(/export\s+\*/)
    const statements = source.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('//'))
    for (const line of statements) expect(line).toMatch(/^export (type )?\{[^}]*\} from '\.\/[^']+\.js'$/)
  })

  it('maps the package entry points onto src/index.ts, src/testing.ts, src/client/index.ts, src/node.ts and src/hono.ts', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './client', './hono', './node', './testing'])
    expect(pkg.exports['.'].default).toBe('./dist/index.js')
    expect(pkg.exports['./testing'].default).toBe('./dist/testing.js')
    expect(pkg.exports['./client']).toEqual({ types: './dist/client/index.d.ts', default: './dist/client/index.js' })
    expect(pkg.exports['./node']).toEqual({ types: './dist/node.d.ts', default: './dist/node.js' })
    expect(pkg.exports['./hono']).toEqual({ types: './dist/hono.d.ts', default: './dist/hono.js' })
  })

  it('does not leak test helpers from the main entry', () => {
    expect(Object.keys(main)).not.toContain('createFixedClock')
    expect(Object.keys(main)).not.toContain('createMemoryMailer')
  })
})

describe('error codes', () => {
  it('are exactly the table of API.md, with the same statuses', () => {
    expect(main.ERROR_STATUS).toEqual(API_ERROR_CODES)
  })

  it('are snake_case and give PortcullisError its status', () => {
    for (const [code, status] of Object.entries(main.ERROR_STATUS)) {
      expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/)
      expect(new main.PortcullisError(code as main.ErrorCode, 'x').status).toBe(status)
    }
  })
})

describe('audit event types', () => {
  it('are exactly the list of API.md', async () => {
    const { AUDIT_EVENT_TYPES: actual } = await import('../../src/features/audit/index.js')
    expect([...actual].sort()).toEqual([...AUDIT_EVENT_TYPES, ...OIDC_AUDIT_EVENT_TYPES].sort())
  })
})
