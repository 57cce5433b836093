// Saves PNGs of the main web UI pages into docs/screenshots/ (shown in the README), driving the
// real server in-process with Debian's Chromium: `npm run screenshots`.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import {
  CHROMIUM,
  createEnrolledUser,
  enrolTotpInBrowser,
  launchBrowser,
  newEmail,
  signInInBrowser,
  signUpInBrowser,
  startUiServer,
  waitForHeading,
} from '../test/browser/harness.js'

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots')

async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready)
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true })
  console.log(`saved docs/screenshots/${name}.png`)
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`)
  mkdirSync(OUT, { recursive: true })
  const server = await startUiServer()
  let browser: Browser | undefined
  try {
    browser = await launchBrowser()
    const desktop = { viewport: { width: 960, height: 760 }, colorScheme: 'light' as const }

    const signIn = await browser.newPage(desktop)
    await signIn.goto(`${server.url}/login`)
    await shoot(signIn, 'sign-in')

    const user = await createEnrolledUser(server, 'ada@example.com')
    await signInInBrowser(signIn, server, user.email)
    await waitForHeading(signIn, 'Two-step verification')
    await shoot(signIn, 'second-factor')
    await signIn.getByLabel('6-digit code').fill(server.totp(user.secret))
    await signIn.getByLabel(/Trust this device/).check()
    await signIn.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(signIn, 'Account security')
    await shoot(signIn, 'account-security')

    const setup = await browser.newPage(desktop)
    await signUpInBrowser(setup, server, newEmail('grace'))
    await setup.getByRole('button', { name: 'Set up authenticator app' }).click()
    await waitForHeading(setup, 'Set up your authenticator app')
    await shoot(setup, 'security-totp-qr')
    await setup.goBack()
    await enrolTotpInBrowser(setup, server)
    await shoot(setup, 'recovery-codes')

    const dark = await browser.newPage({ viewport: { width: 390, height: 760 }, colorScheme: 'dark', isMobile: true, deviceScaleFactor: 2 })
    await signInInBrowser(dark, server, user.email)
    await waitForHeading(dark, 'Two-step verification')
    await dark.getByLabel('6-digit code').fill('123456')
    await dark.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(dark, 'Two-step verification')
    await shoot(dark, 'second-factor-phone-dark')
  } finally {
    await browser?.close()
    await server.close()
  }
}

await main()
