import { afterEach, describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'
import { lastMail, linkIn, tokenIn } from '../support/mail.js'
import { freshCode, signUpWithTotp } from '../support/mfa.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

describe.each(dialects)('$name: mailed links and redirects', (dialect) => {
  let t: TestAuth
  afterEach(async () => {
    await t.close()
  })

  it('builds every mailed link on PUBLIC_URL with its path kept', async () => {
    t = await createTestAuth(dialect, { publicUrl: 'https://example.com/auth/', basePath: '/api/auth' })
    const { email } = await t.signUp()
    expect(linkIn(await lastMail(t, email, 'confirm'), '/email/verify').href).toMatch(/^https:\/\/example\.com\/auth\/email\/verify\?token=/)
    await t.request('POST', '/password/forgot', { body: { email } })
    expect(linkIn(await lastMail(t, email, 'reset'), '/password/reset').href).toMatch(/^https:\/\/example\.com\/auth\/password\/reset\?token=/)
    await t.request('POST', '/magic-link/send', { body: { email } })
    expect(linkIn(await lastMail(t, email, 'sign-in link'), '/magic-link/verify').href).toMatch(
      /^https:\/\/example\.com\/auth\/api\/auth\/magic-link\/verify\?token=/,
    )
  })

  it('keeps a magic link’s redirectTo through the second factor: JSON carries it, a form post is sent there', async () => {
    t = await createTestAuth(dialect)
    const user = await signUpWithTotp(t)
    const linkFor = async (redirectTo: string) => {
      expect((await t.request('POST', '/magic-link/send', { body: { email: user.email, redirectTo } })).status).toBe(202)
      return tokenIn(await lastMail(t, user.email, 'sign-in link'), '/magic-link/verify')
    }

    const json = await t.request('POST', '/magic-link/verify', { body: { token: await linkFor('/dashboard?tab=2') }, headers: { 'x-auth-flow': 'token' } })
    expect(json.body.mfaRequired).toBe(true)
    const verified = await t.request('POST', '/mfa/verify', {
      body: { challenge: json.body.challenge, method: 'totp', code: freshCode(t, user) },
      headers: { 'x-auth-flow': 'token' },
    })
    expect(verified.status).toBe(200)
    expect(verified.body.redirectTo).toBe('/dashboard?tab=2')

    const form = await t.request('POST', '/magic-link/verify', { form: { token: await linkFor('/reports') }, headers: { origin: 'http://localhost:3000' } })
    expect(form.status).toBe(303)
    const challenge = new URL(form.headers.get('location') as string, 'http://localhost:3000').searchParams.get('challenge') as string
    const posted = await t.request('POST', '/mfa/verify', {
      form: { challenge, method: 'totp', code: freshCode(t, user) },
      headers: { origin: 'http://localhost:3000' },
    })
    expect(posted.status).toBe(303)
    expect(posted.headers.get('location')).toBe('/reports')
    expect(posted.cookies.portcullis_session).toBeTruthy()

    // A password sign-in's challenge has no redirect.
    const login = await t.signIn(user.email, user.password)
    const plain = await t.request('POST', '/mfa/verify', { body: { challenge: login.body.challenge, method: 'totp', code: freshCode(t, user) } })
    expect(plain.status).toBe(200)
    expect(plain.body.redirectTo).toBeUndefined()
  })
})
