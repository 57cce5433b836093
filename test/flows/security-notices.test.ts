import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeSecret } from '../../src/features/totp/index.js'
import { dialects } from '../support/dialects.js'
import { type MailLike, mailsTo } from '../support/mail.js'
import { challengeFor, type EnrolledUser, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

const ADMIN_TOKEN = 'admin-token-for-the-notice-tests'

describe.each(dialects)('$name: security notices by email', (dialect) => {
  let t: TestAuth
  let user: EnrolledUser
  beforeEach(async () => {
    t = await createTestAuth(dialect, { adminToken: ADMIN_TOKEN })
    user = await signUpWithTotp(t)
  })
  afterEach(async () => {
    await t.close()
  })

  const notices = async () => (await mailsTo(t, user.email)).filter((mail) => mail.subject === 'Portcullis: security notice')

  /** The notices that arrived since `before`, each checked to carry no code, link or secret. */
  async function newNotices(before: number, secrets: string[] = []): Promise<MailLike[]> {
    const arrived = (await notices()).slice(before)
    for (const mail of arrived) {
      for (const part of [mail.text, mail.html ?? '']) {
        expect(part).not.toMatch(/\b\d{6}\b/)
        expect(part).not.toMatch(/https?:\/\//)
        expect(part).not.toContain(encodeSecret(user.secret))
        for (const secret of [...user.recoveryCodes, ...secrets]) expect(part).not.toContain(secret)
      }
    }
    return arrived
  }

  const texts = (mails: MailLike[]) => mails.map((mail) => mail.text).join('\n')

  it('tells of an enrolled factor and the recovery codes made with it', async () => {
    const arrived = await newNotices(0)
    expect(texts(arrived)).toContain('A second factor was added')
    expect(texts(arrived)).toContain('New recovery codes were made')
    expect(arrived.every((mail) => mail.text.includes('If this was not you'))).toBe(true)
  })

  it('tells of a disabled factor', async () => {
    const before = (await notices()).length
    const response = await t.request('POST', '/mfa/totp/disable', { token: user.token, body: { code: user.code() } })
    expect(response.status).toBe(204)
    expect(texts(await newNotices(before))).toContain('A second factor was removed')
  })

  it('tells of an admin reset', async () => {
    const before = (await notices()).length
    const response = await t.request('DELETE', `/admin/users/${user.userId}/mfa`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(response.status).toBe(204)
    expect(texts(await newNotices(before))).toContain('An administrator removed every second factor')
  })

  it('tells of regenerated recovery codes without showing them', async () => {
    const before = (await notices()).length
    const response = await t.request('POST', '/mfa/recovery/generate', { token: user.token, body: { code: user.code() } })
    expect(response.status).toBe(200)
    const arrived = await newNotices(before, response.body.codes)
    expect(arrived).toHaveLength(1)
    expect(texts(arrived)).toContain('New recovery codes were made')
  })

  it('tells of a newly trusted device without its token', async () => {
    const before = (await notices()).length
    const challenge = await challengeFor(t, user)
    const response = await t.request('POST', '/mfa/verify', {
      body: { challenge, method: 'totp', code: user.code(), trustDevice: true },
      headers: { 'x-auth-flow': 'token' },
    })
    expect(response.status).toBe(200)
    const arrived = await newNotices(before, [response.body.trustedDeviceToken, response.body.token])
    expect(texts(arrived)).toContain('A new device was trusted')
  })

  it('tells of a lock after wrong passwords, once', async () => {
    const before = (await notices()).length
    for (let attempt = 0; attempt < 6; attempt++) await t.signIn(user.email, 'definitely the wrong password')
    const arrived = await newNotices(before, ['definitely the wrong password'])
    expect(arrived).toHaveLength(1)
    expect(texts(arrived)).toContain('Sign-in to your account was locked')
  })

  it('tells of a lock after wrong second-factor codes', async () => {
    const before = (await notices()).length
    const wrong = user.code() === '123456' ? '654321' : '123456'
    for (let round = 0; round < 2; round++) {
      const challenge = await challengeFor(t, user)
      for (let attempt = 0; attempt < 5; attempt++) await t.request('POST', '/mfa/verify', { body: { challenge, method: 'totp', code: wrong } })
    }
    expect(texts(await newNotices(before))).toContain('Sign-in to your account was locked')
  })

  it('tells of a password change', async () => {
    const before = (await notices()).length
    const response = await t.request('POST', '/password/change', {
      token: user.token,
      body: { currentPassword: user.password, newPassword: 'a different long passphrase', code: user.code() },
    })
    expect(response.status).toBe(204)
    expect(texts(await newNotices(before, ['a different long passphrase']))).toContain('The password of your account was changed')
  })
})
