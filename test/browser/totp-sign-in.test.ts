import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createDevice,
  createEnrolledUser,
  type Device,
  enrolTotpInBrowser,
  launchBrowser,
  newEmail,
  PASSWORD,
  pathOf,
  signInInBrowser,
  signOutInBrowser,
  signUpInBrowser,
  startUiServer,
  type UiServer,
  waitForHeading,
} from './harness.js'
import { describeInBrowser } from './suite.js'

describeInBrowser('web UI: sign-in with an authenticator app', () => {
  let server: UiServer
  let browser: Browser
  let here: Device
  let there: Device
  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startUiServer(), launchBrowser()])
    ;[here, there] = await Promise.all([createDevice(browser), createDevice(browser)])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('signs up, enrols TOTP from the page, signs out, and signs in through the second-factor step', async () => {
    const { page, errors } = await here.reset()
    const email = newEmail('journey')

    await signUpInBrowser(page, server, email)
    expect(await page.getByRole('status').textContent()).toContain('Your account is ready')
    const { secret, recoveryCodes } = await enrolTotpInBrowser(page, server)
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(recoveryCodes).toHaveLength(10)
    expect(recoveryCodes[0]).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/)
    await page.getByRole('link', { name: 'I have saved them' }).click()
    expect(await page.getByRole('heading', { name: /Authenticator app/ }).textContent()).toContain('On')

    await signOutInBrowser(page)
    expect(await page.getByRole('status').textContent()).toBe('You are signed out.')

    await signInInBrowser(page, server, email)
    await waitForHeading(page, 'Two-step verification')
    expect(pathOf(page)).toBe('/login/verify')
    const codeField = page.getByLabel('6-digit code')
    expect(await codeField.getAttribute('autocomplete')).toBe('one-time-code')
    expect(await codeField.getAttribute('inputmode')).toBe('numeric')
    await codeField.fill(server.totp(secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(page, 'Account security')
    expect(pathOf(page)).toBe('/account/security')

    // The UI's cookie is an API session: the JSON API answers for it, at aal 2.
    const session = await page.request.get(`${server.url}/api/auth/session`)
    expect(session.status()).toBe(200)
    expect((await session.json()).session.aal).toBe(2)
    expect(errors).toEqual([])
  })

  it('shows attempts left and the clock-skew hint for wrong codes, then signs in with a recovery code', async () => {
    const user = await createEnrolledUser(server)
    const { page } = await here.reset()
    await signInInBrowser(page, server, user.email)
    await waitForHeading(page, 'Two-step verification')

    await page.getByLabel('6-digit code').fill('000000')
    await page.getByRole('button', { name: 'Verify' }).click()
    expect(await page.locator('#code-error').textContent()).toContain('not right')
    expect(await page.locator('#attempts').textContent()).toBe('4 attempts left before this sign-in is locked.')

    // A code from five minutes ago: the clock of the phone is off.
    server.clock.advance(-300_000)
    const skewed = server.totp(user.secret)
    server.clock.advance(300_000)
    await page.getByLabel('6-digit code').fill(skewed)
    await page.getByRole('button', { name: 'Verify' }).click()
    expect(await page.locator('#code-error').textContent()).toContain('clock')
    expect(await page.locator('#attempts').textContent()).toBe('3 attempts left before this sign-in is locked.')

    await page.getByRole('link', { name: 'Use a recovery code' }).click()
    await page.getByLabel('Recovery code').fill((user.recoveryCodes[0] ?? '').toUpperCase())
    await page.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(page, 'Account security')
    await page.getByText('9 unused codes left').waitFor()
  })

  it('skips the second factor on a trusted device, and only there', async () => {
    const user = await createEnrolledUser(server)
    const { page } = await here.reset()
    await signInInBrowser(page, server, user.email)
    await page.getByLabel('6-digit code').fill(server.totp(user.secret))
    await page.getByLabel(/Trust this device/).check()
    await page.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(page, 'Account security')
    await page.getByRole('heading', { name: 'Trusted devices' }).waitFor()
    expect(await page.getByRole('button', { name: /^Forget / }).count()).toBe(1)

    await signOutInBrowser(page)
    await signInInBrowser(page, server, user.email)
    await waitForHeading(page, 'Account security')

    const { page: elsewhere } = await there.reset()
    await signInInBrowser(elsewhere, server, user.email)
    await waitForHeading(elsewhere, 'Two-step verification')
  })

  it('asks for a code to turn TOTP off when the session has no recent second factor', async () => {
    const { page } = await here.reset()
    await signUpInBrowser(page, server, newEmail('disable'))
    const { secret } = await enrolTotpInBrowser(page, server)
    await page.getByRole('link', { name: 'I have saved them' }).click()
    // Enrolling is not signing in with the factor: this aal 1 session has to step up.
    await page.getByRole('button', { name: 'Turn off two-step verification' }).click()
    expect(await page.locator('#disable-code-error').textContent()).toContain('confirm it is you')
    const code = page.locator('#disable-code')
    await code.fill('000000')
    await page.getByRole('button', { name: 'Turn off two-step verification' }).click()
    expect(await page.locator('#disable-code-error').textContent()).toContain('not right')
    await code.fill(server.totp(secret))
    await page.getByRole('button', { name: 'Turn off two-step verification' }).click()
    expect(await page.getByRole('status').textContent()).toContain('Two-step verification is off')
    expect(await page.getByRole('heading', { name: /Authenticator app/ }).textContent()).toContain('Off')
  })

  it('regenerates recovery codes with a download, ends another session, and changes the password', async () => {
    const user = await createEnrolledUser(server)
    const { page } = await here.reset()
    await signInInBrowser(page, server, user.email)
    await page.getByLabel('6-digit code').fill(server.totp(user.secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(page, 'Account security')

    // Fresh MFA: no code asked for new recovery codes.
    await page.getByRole('button', { name: 'Make new recovery codes' }).click()
    await waitForHeading(page, 'Save your recovery codes')
    const codes = await page.locator('#codes li').allTextContents()
    expect(codes).toHaveLength(10)
    expect(codes).not.toContain(user.recoveryCodes[0])
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as .txt' }).click()])
    expect(download.suggestedFilename()).toBe('portcullis-recovery-codes.txt')
    const text = await import('node:fs/promises').then(async (fs) => fs.readFile((await download.path()) as string, 'utf8'))
    for (const code of codes) expect(text).toContain(code)
    await page.getByRole('link', { name: 'I have saved them' }).click()

    // A second session of the same user, ended from here.
    const { page: elsewhere } = await there.reset()
    server.clock.advance(30_000)
    await signInInBrowser(elsewhere, server, user.email)
    await elsewhere.getByLabel('6-digit code').fill(server.totp(user.secret))
    await elsewhere.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(elsewhere, 'Account security')
    await page.reload()
    await page.getByRole('button', { name: /^Sign out Chrome/ }).click()
    expect(await page.getByRole('status').textContent()).toBe('That device was signed out.')
    await elsewhere.reload()
    expect(pathOf(elsewhere)).toBe('/login')

    await page.getByLabel('Current password').fill(PASSWORD)
    await page.getByLabel('New password').fill(`${user.email.split('@')[0]} is my password`)
    await page.getByRole('button', { name: 'Change password' }).click()
    expect(await page.locator('#newPassword-error').textContent()).toContain('Do not use your email address')
    await page.getByLabel('Current password').fill(PASSWORD)
    await page.getByLabel('New password').fill('a brand new and rather long passphrase')
    await page.getByRole('button', { name: 'Change password' }).click()
    expect(await page.getByRole('status').textContent()).toContain('Your password was changed')
  })
})
