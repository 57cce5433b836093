import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthOptions } from '../../src/config/options.js'
import { dialects } from '../support/dialects.js'
import { lastMail, mailsTo, tokenIn } from '../support/mail.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

describe.each(dialects)('$name: email verification', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  async function reconfigure(options: AuthOptions) {
    await t.close()
    t = await createTestAuth(dialect, options)
  }

  const confirm = (token: string) => t.request('POST', '/email/verify', { body: { token } })
  const sendVerification = (sessionToken?: string) => t.request('POST', '/email/verify/send', sessionToken ? { token: sessionToken } : {})
  const verifyMails = async (email: string) => (await mailsTo(t, email)).filter((mail) => mail.subject.includes('confirm your email'))
  const verifyToken = async (email: string) => tokenIn(await lastMail(t, email, 'confirm your email'), '/email/verify')

  it('mails a link at sign-up whose token verifies the address (204, emailVerified in GET /session)', async () => {
    const { email, token } = await t.signUp()
    expect(await verifyMails(email)).toHaveLength(1)
    const mail = await lastMail(t, email, 'confirm your email')
    expect(mail.subject).toBe('Portcullis: confirm your email address')
    expect(mail.text).toContain('The link expires in 24 hours.')
    expect((await t.request('GET', '/session', { token })).body.user.emailVerified).toBe(false)

    const response = await confirm(await verifyToken(email))
    expect(response.status).toBe(204)
    expect(response.body).toBeNull()
    expect((await t.request('GET', '/session', { token })).body.user.emailVerified).toBe(true)
  })

  it('mails nothing at sign-up with verifyEmailOnSignUp: false; POST /email/verify/send mails the link then', async () => {
    await reconfigure({ verifyEmailOnSignUp: false })
    const { email, token } = await t.signUp()
    expect(await verifyMails(email)).toHaveLength(0)
    const response = await sendVerification(token)
    expect(response.status).toBe(202)
    expect(await verifyMails(email)).toHaveLength(1)
    expect((await confirm(await verifyToken(email))).status).toBe(204)
    expect((await t.request('GET', '/session', { token })).body.user.emailVerified).toBe(true)
  })

  it('needs a session to send the link', async () => {
    const response = await sendVerification()
    expect(response.status).toBe(401)
    expect(response.body.error.code).toBe('unauthorized')
  })

  it('voids the earlier link when a new one is sent', async () => {
    const { email, token } = await t.signUp()
    const first = await verifyToken(email)
    expect((await sendVerification(token)).status).toBe(202)
    const second = await verifyToken(email)
    expect(second).not.toBe(first)
    expect((await confirm(first)).body.error.code).toBe('invalid_code')
    expect((await confirm(second)).status).toBe(204)
  })

  it('mails nothing more to an address already verified', async () => {
    const { email, token } = await t.signUp()
    expect((await confirm(await verifyToken(email))).status).toBe(204)
    expect((await sendVerification(token)).status).toBe(202)
    expect(await verifyMails(email)).toHaveLength(1)
  })

  it('refuses a bad, used or expired token with 400 invalid_code', async () => {
    const bad = await confirm('not-a-real-token')
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('invalid_code')

    const { email } = await t.signUp()
    const used = await verifyToken(email)
    expect((await confirm(used)).status).toBe(204)
    expect((await confirm(used)).body.error.code).toBe('invalid_code')

    const other = await t.signUp()
    t.clock.advance(24 * 3600_000)
    const expired = await confirm(await verifyToken(other.email))
    expect(expired.status).toBe(400)
    expect(expired.body.error.code).toBe('invalid_code')
  })

  it('refuses a missing token with 400 invalid_request', async () => {
    const response = await t.request('POST', '/email/verify', { body: {} })
    expect(response.status).toBe(400)
    expect(response.body.error.code).toBe('invalid_request')
  })
})
