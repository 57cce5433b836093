import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type SmtpPeer, startSmtpPeer } from '../support/smtp-peer.js'
import {
  createDevice,
  createEnrolledUser,
  type Device,
  launchBrowser,
  newEmail,
  PASSWORD,
  pathOf,
  signInInBrowser,
  signUpInBrowser,
  startUiServer,
  type UiServer,
  waitForHeading,
} from './harness.js'
import { describeInBrowser } from './suite.js'

// Mail goes over SMTP to a real peer on loopback, as in production; tests read it there.
const codeIn = (mail: string) => /Your code: (\d{6})/.exec(mail)?.[1] ?? ''
const linkIn = (mail: string, label: string) => new RegExp(`${label}: (\\S+)`).exec(mail)?.[1] ?? ''

describeInBrowser('web UI: email codes, magic links and mailed links, over SMTP', () => {
  let server: UiServer
  let browser: Browser
  let here: Device
  let peer: SmtpPeer
  beforeAll(async () => {
    peer = await startSmtpPeer()
    ;[server, browser] = await Promise.all([startUiServer({ smtpUrl: peer.url }), launchBrowser()])
    here = await createDevice(browser)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await peer?.close()
  })

  /** The text of the next mail to `to` whose subject ends with `subject`. */
  const mail = async (to: string, subject: string) => (await peer.waitFor(to, (received) => received.subject.endsWith(subject))).text

  const signUpByApi = async (email = newEmail('mail')) => {
    await server.auth.api.accounts.signUp({ email, password: PASSWORD }, { ip: '127.0.0.1', userAgent: 'setup' })
    return email
  }

  it('signs in with a code read from the email', async () => {
    const email = await signUpByApi()
    const { page, errors } = await here.reset()
    await page.goto(`${server.url}/login`)
    await page.getByLabel('Email address').fill(email)
    await page.getByRole('button', { name: 'Email me a code' }).click()
    await waitForHeading(page, 'Check your email')
    const code = codeIn(await mail(email, 'your sign-in code'))
    expect(code).toMatch(/^\d{6}$/)

    const field = page.getByLabel('Code from the email')
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code')
    await field.fill(code === '000000' ? '111111' : '000000')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect(await page.locator('#code-error').textContent()).toContain('not right')
    await page.getByLabel('Code from the email').fill(`${code.slice(0, 3)} ${code.slice(3)}`)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await waitForHeading(page, 'Account security')
    expect(errors).toEqual([])
  })

  it('signs in with a magic link through the API landing page, which hands over to the UI', async () => {
    const email = await signUpByApi()
    const { page, errors } = await here.reset()
    await page.goto(`${server.url}/login`)
    await page.getByLabel('Email address').fill(email)
    await page.getByRole('button', { name: 'Email me a link' }).click()
    await waitForHeading(page, 'Check your email')
    const link = linkIn(await mail(email, 'your sign-in link'), 'Sign in')
    expect(link.startsWith(`${server.url}/api/auth/magic-link/verify?token=`)).toBe(true)

    await page.goto(link)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await waitForHeading(page, 'Account security')
    expect(pathOf(page)).toBe('/account/security')
    expect(errors).toEqual([])
  })

  it('continues a magic link of a user with TOTP to the second-factor step, also from the UI landing page', async () => {
    const user = await createEnrolledUser(server)
    await server.auth.api.magicLinks.send(user.email, undefined, { ip: '127.0.0.1', userAgent: 'setup' })
    const token = new URL(linkIn(await mail(user.email, 'your sign-in link'), 'Sign in')).searchParams.get('token') ?? ''

    const { page } = await here.reset()
    await page.goto(`${server.url}/magic-link?token=${encodeURIComponent(token)}`)
    await waitForHeading(page, 'Sign in')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await waitForHeading(page, 'Two-step verification')
    // The link counts as the email factor, so email is not offered as the second one.
    expect(await page.getByRole('button', { name: /Email me/ }).count()).toBe(0)
    await page.getByLabel('6-digit code').fill(server.totp(user.secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(page, 'Account security')

    // The link worked once.
    await page.goto(`${server.url}/magic-link?token=${encodeURIComponent(token)}`)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await waitForHeading(page, 'This sign-in link no longer works')
  })

  it('completes the second factor with a code sent by email', async () => {
    const user = await createEnrolledUser(server)
    const { page } = await here.reset()
    await signInInBrowser(page, server, user.email)
    await waitForHeading(page, 'Two-step verification')
    await page.getByRole('button', { name: 'Email me a code' }).click()
    expect(await page.getByRole('status').textContent()).toContain('We emailed you a 6-digit code')
    await page.getByLabel('Code from the email').fill(codeIn(await mail(user.email, 'your verification code')))
    await page.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(page, 'Account security')
  })

  it('resets a forgotten password from the mailed link', async () => {
    const email = await signUpByApi()
    const { page } = await here.reset()
    await page.goto(`${server.url}/login`)
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByLabel('Email address').fill(email)
    await page.getByRole('button', { name: 'Email me a link' }).click()
    await waitForHeading(page, 'Check your email')
    const link = linkIn(await mail(email, 'reset your password'), 'Choose a new password')
    expect(link.startsWith(`${server.url}/password/reset?token=`)).toBe(true)

    await page.goto(link)
    await page.getByLabel('New password', { exact: true }).fill('a fresh and long passphrase for mail')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await waitForHeading(page, 'Sign in to Portcullis')
    expect(await page.getByRole('status').textContent()).toContain('Your password was changed')
    await signInInBrowser(page, server, email, 'a fresh and long passphrase for mail')
    await waitForHeading(page, 'Account security')
  })

  it('confirms the email address from the mailed link', async () => {
    const { page } = await here.reset()
    const email = newEmail('verify')
    await signUpInBrowser(page, server, email)
    expect(await page.getByRole('heading', { name: /Email address/ }).textContent()).toContain('Not confirmed')
    const link = linkIn(await mail(email, 'confirm your email address'), 'Confirm email address')
    expect(link.startsWith(`${server.url}/email/verify?token=`)).toBe(true)
    await page.goto(link)
    await page.getByRole('button', { name: 'Confirm email address' }).click()
    await waitForHeading(page, 'Email address confirmed')
    await page.getByRole('link', { name: 'Back to your account' }).click()
    expect(await page.getByRole('heading', { name: /Email address/ }).textContent()).toContain('Confirmed')
  })
})
