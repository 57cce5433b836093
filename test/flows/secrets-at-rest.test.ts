import { existsSync, readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeSecret, encodeSecret } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { freshCode, signInWithTotp, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const sqlite = dialects.find((dialect) => dialect.name === 'sqlite')
if (!sqlite) throw new Error('the SQLite dialect is always available')

/** Every byte the database keeps on disk: the main file and the write-ahead log. */
function databaseBytes(t: TestAuth): Buffer {
  const path = t.auth.options.databaseUrl.slice('sqlite:'.length)
  return Buffer.concat([path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)))
}

/** The forms a secret could be written in: as text, and its raw bytes as hex, base64 and base64url. */
function spellings(secret: Uint8Array): Buffer[] {
  const raw = Buffer.from(secret)
  const base32 = encodeSecret(secret)
  return [
    raw,
    ...[base32, base32.toLowerCase(), raw.toString('hex'), raw.toString('hex').toUpperCase(), raw.toString('base64'), raw.toString('base64url')].map((text) =>
      Buffer.from(text),
    ),
  ]
}

describe('sqlite: secrets at rest', () => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(sqlite)
  })
  afterEach(async () => {
    await t.close()
  })

  it('keeps no TOTP secret, recovery code or session token in the database files', async () => {
    const user = await signUpWithTotp(t)
    const pending = await t.request('POST', '/mfa/totp/enroll', { token: user.token, body: {} })
    const generated = await t.request('POST', '/mfa/recovery/generate', { token: user.token, body: { code: freshCode(t, user) } })
    expect(generated.status).toBe(200)
    const signedIn = await signInWithTotp(t, user, { trustDevice: true })
    const bytes = databaseBytes(t)
    // A control: the search sees what was just written (the email is stored in the clear).
    expect(bytes.includes(Buffer.from(user.email))).toBe(true)

    const leaks: string[] = []
    const look = (label: string, needle: Buffer) => {
      if (bytes.includes(needle)) leaks.push(label)
    }
    for (const [index, form] of spellings(user.secret).entries()) look(`active TOTP secret, form ${index}`, form)
    for (const [index, form] of spellings(decodeSecret(pending.body.secret)).entries()) look(`pending TOTP secret, form ${index}`, form)
    for (const code of [...user.recoveryCodes, ...generated.body.codes]) {
      for (const form of [code, code.replace('-', ''), code.toUpperCase(), code.replace('-', '').toUpperCase()])
        look(`recovery code ${form}`, Buffer.from(form))
    }
    for (const [label, token] of [
      ['sign-up session token', user.token],
      ['MFA session token', signedIn.body.token],
      ['trusted-device token', signedIn.body.trustedDeviceToken],
    ] as const) {
      look(label, Buffer.from(token))
      look(`${label}, raw bytes`, Buffer.from(token, 'base64url'))
    }
    expect(leaks).toEqual([])
  })

  it('seals TOTP secrets as v1.<keyid>.<iv>.<ciphertext>.<tag>', async () => {
    const user = await signUpWithTotp(t)
    await t.request('POST', '/mfa/totp/enroll', { token: user.token, body: {} })
    const rows = await t.store.db.selectFrom('totp_factors').select(['status', 'secret_sealed']).where('user_id', '=', user.userId).execute()
    expect(rows.map((row) => row.status).sort()).toEqual(['active', 'pending'])
    for (const row of rows) {
      expect(row.secret_sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/)
      const [, , , body] = row.secret_sealed.split('.')
      expect(Buffer.from(body as string, 'base64url')).toHaveLength(20)
      expect(Buffer.from(body as string, 'base64url').equals(Buffer.from(user.secret))).toBe(false)
    }
  })
})
