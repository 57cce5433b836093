import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthOptions } from '../../src/config/options.js'
import { dialects } from '../support/dialects.js'
import { codeIn, linkIn, tokenIn } from '../support/mail.js'
import { challengeFor, signUpWithTotp } from '../support/mfa.js'
import { type ReceivedMail, type SmtpPeer, startSmtpPeer } from '../support/smtp-peer.js'
import { createTestAuth, ORIGIN, type TestAuth } from '../support/test-auth.js'

const MAIL_FROM = 'Acme Sign-in <auth@acme.test>'
const PRODUCT = 'Acme'

/** A logger that keeps its JSON lines, to assert on what was logged. */
function captureLogs() {
  const lines: Array<{ level: number; msg?: string; mail?: unknown }> = []
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  return { logger, lines }
}

const hrefs = (mail: ReceivedMail) => [...mail.html.matchAll(/href="([^"]+)"/g)].map((match) => (match[1] ?? '').replaceAll('&amp;', '&'))

describe.each(dialects)('$name: mail delivery over SMTP', (dialect) => {
  let peer: SmtpPeer
  let t: TestAuth
  const fixtures: Array<{ close(): Promise<unknown> }> = []

  async function start(options: AuthOptions = {}): Promise<TestAuth> {
    const fixture = await createTestAuth(dialect, { smtpUrl: peer.url, mailFrom: MAIL_FROM, totpIssuer: PRODUCT, ...options })
    fixtures.push(fixture)
    return fixture
  }

  beforeEach(async () => {
    peer = await startSmtpPeer()
    fixtures.push(peer)
    t = await start()
  })
  afterEach(async () => {
    for (const fixture of fixtures.splice(0).reverse()) await fixture.close()
  })

  it('delivers the sign-up verification mail with text and HTML parts, From MAIL_FROM and the product in the subject', async () => {
    const { email, token } = await t.signUp()
    const mail = await peer.waitFor(email)
    expect(mail.to).toEqual([email])
    // RFC 5322 lets the display name be quoted; it is the same mailbox.
    expect(mail.from.replace(/"/g, '')).toBe(MAIL_FROM)
    expect(mail.subject).toBe(`${PRODUCT}: confirm your email address`)
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/)
    expect(mail.text).toContain(`Confirm that this address belongs to your ${PRODUCT} account`)
    expect(mail.html).toMatch(/<a href="[^"]+"/)
    expect(t.mailbox.messages).toHaveLength(0)

    // The link in the HTML part is the one in the text part.
    const link = linkIn(mail, '/email/verify')
    expect(hrefs(mail)).toContain(link.href)
    const verified = await t.request('POST', '/email/verify', { body: { token: tokenIn(mail, '/email/verify') } })
    expect(verified.status).toBe(204)
    expect((await t.request('GET', '/session', { token })).body.user.emailVerified).toBe(true)
  })

  it('delivers a sign-in code that works', async () => {
    const { email } = await t.signUp()
    expect((await t.request('POST', '/otp/send', { body: { email } })).status).toBe(202)
    const mail = await peer.waitFor(email, (received) => received.subject.includes('sign-in code'))
    expect(mail.subject).toBe(`${PRODUCT}: your sign-in code`)
    const code = codeIn(mail)
    expect(mail.html).toContain(code)
    const response = await t.request('POST', '/otp/verify', { body: { email, code }, headers: { 'x-auth-flow': 'token' } })
    expect(response.status).toBe(200)
    expect(response.body.token).toEqual(expect.any(String))
  })

  it('delivers a magic link whose HTML and text links both sign in through the landing page', async () => {
    const { email } = await t.signUp()
    expect((await t.request('POST', '/magic-link/send', { body: { email, redirectTo: '/welcome' } })).status).toBe(202)
    const mail = await peer.waitFor(email, (received) => received.subject.includes('sign-in link'))
    const link = linkIn(mail, '/magic-link/verify')
    expect(hrefs(mail)).toContain(link.href)
    expect(link.origin).toBe(ORIGIN)

    const page = await t.request('GET', `${link.pathname.replace('/api/auth', '')}${link.search}`)
    expect(page.status).toBe(200)
    const response = await t.request('POST', '/magic-link/verify', { form: { token: tokenIn(mail, '/magic-link/verify') }, headers: { origin: ORIGIN } })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/welcome')
    expect(response.cookies.portcullis_session).toBeTruthy()
  })

  it('delivers a reset link that works, and the security notice after it', async () => {
    const { email } = await t.signUp()
    expect((await t.request('POST', '/password/forgot', { body: { email } })).status).toBe(202)
    const mail = await peer.waitFor(email, (received) => received.subject.includes('reset your password'))
    const token = tokenIn(mail, '/password/reset')
    expect((await t.request('POST', '/password/reset', { body: { token, newPassword: 'a fresh and long passphrase' } })).status).toBe(204)
    const notice = await peer.waitFor(email, (received) => received.subject === `${PRODUCT}: security notice`)
    expect(notice.text).toContain('reset')
    expect(notice.text).not.toContain(token)
  })

  it('delivers the second-factor code and the recovery mail, whose links work', async () => {
    const user = await signUpWithTotp(t)
    const challenge = await challengeFor(t, user)
    expect((await t.request('POST', '/mfa/challenge/email-otp', { body: { challenge } })).status).toBe(202)
    const codeMail = await peer.waitFor(user.email, (received) => received.subject.includes('verification code'))
    const completed = await t.request('POST', '/mfa/verify', { body: { challenge, method: 'email_otp', code: codeIn(codeMail) } })
    expect(completed.status).toBe(200)

    expect((await t.request('POST', '/mfa/recovery/request', { body: { challenge: await challengeFor(t, user) } })).status).toBe(202)
    const recovery = await peer.waitFor(user.email, (received) => received.subject.includes('recovery requested'))
    const cancel = linkIn(recovery, '/mfa/recovery/cancel')
    expect(hrefs(recovery)).toEqual(expect.arrayContaining([linkIn(recovery, '/mfa/recovery/complete').href, cancel.href]))
    expect((await t.request('POST', '/mfa/recovery/cancel', { body: { token: cancel.searchParams.get('token') } })).status).toBe(204)
  })

  it('does not make the HTTP answer wait for a slow mail server', async () => {
    const { email } = await t.signUp()
    await peer.waitFor(email)
    peer.pause()
    const answered = await Promise.race([
      t.request('POST', '/otp/send', { body: { email } }).then((response) => response.status),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 3000)),
    ])
    expect(answered).toBe(202)
    peer.resume()
    codeIn(await peer.waitFor(email))
  })

  it('logs a refused delivery and still answers 202', async () => {
    const { logger, lines } = captureLogs()
    t = await start({ logger })
    const { email } = await t.signUp()
    await peer.waitFor(email)
    peer.reject(email)
    const response = await t.request('POST', '/otp/send', { body: { email } })
    expect(response.status).toBe(202)
    await t.auth.flushMail()
    const failures = lines.filter((line) => line.msg === 'mail delivery failed')
    expect(failures).toHaveLength(1)
    expect(failures[0]?.mail).toEqual({ subject: `${PRODUCT}: your sign-in code` })
    expect(JSON.stringify(failures)).not.toMatch(/Your code: \d{6}/)
  })

  it('logs an unreachable mail server and answers every mailing route as usual', async () => {
    const { logger, lines } = captureLogs()
    const gone = await startSmtpPeer()
    await gone.close()
    t = await start({ logger, smtpUrl: gone.url })
    const { email, token } = await t.signUp()
    const answers = [
      (await t.request('POST', '/otp/send', { body: { email } })).status,
      (await t.request('POST', '/magic-link/send', { body: { email } })).status,
      (await t.request('POST', '/password/forgot', { body: { email } })).status,
      (await t.request('POST', '/email/verify/send', { token })).status,
    ]
    expect(answers).toEqual([202, 202, 202, 202])
    await t.auth.flushMail()
    // Sign-up's verification mail plus the four above.
    expect(lines.filter((line) => line.msg === 'mail delivery failed')).toHaveLength(5)
    expect(lines.filter((line) => line.level >= 50 && line.msg !== 'mail delivery failed')).toHaveLength(0)
  })
})
