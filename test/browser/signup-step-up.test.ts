import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  addVirtualAuthenticator,
  createDevice,
  type Device,
  launchBrowser,
  newEmail,
  PASSWORD,
  pathOf,
  startUiServer,
  type UiServer,
  waitForHeading,
} from './harness.js'
import { describeInBrowser } from './suite.js'

describeInBrowser('web UI: verify_first sign-up and passkey step-up', () => {
  let server: UiServer
  let browser: Browser
  let device: Device
  beforeAll(async () => {
    // A passkey's relying party is a domain, never an IP address.
    ;[server, browser] = await Promise.all([startUiServer({ signupMode: 'verify_first' }, { enabled: true }, 'localhost'), launchBrowser()])
    device = await createDevice(browser)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('signs up through the mailed link, adds a passkey, and steps up with it to delete it', async () => {
    const { page, errors } = device
    await addVirtualAuthenticator(page)
    const email = newEmail('verify-first')

    // The form asks only for the address; the password is chosen on the page the link opens.
    await page.goto(`${server.url}/signup`)
    expect(await page.getByLabel('Password').count()).toBe(0)
    await page.getByLabel('Email address').fill(email)
    await page.getByRole('button', { name: 'Email me a link' }).click()
    await waitForHeading(page, 'Check your email')
    expect(await server.auth.api.accounts.findByEmail(email)).toBeUndefined()

    const link = /https?:\/\/\S+\/signup\/complete\?token=\S+/.exec(await server.mailTo(email))?.[0]
    expect(link).toBeDefined()
    await page.goto(link as string)
    await waitForHeading(page, 'Finish creating your Portcullis account')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Create account' }).click()
    await waitForHeading(page, 'Account security')
    expect((await server.auth.api.accounts.findByEmail(email))?.email_verified_at).not.toBeNull()

    await page.getByLabel('Name for the new passkey').fill('Desk key')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
    await page.getByRole('link', { name: 'I saved my recovery codes' }).click()
    await page.waitForURL((url) => url.search.includes('notice=passkey_added'))

    // Eleven minutes on, deleting the passkey asks for a step-up, which the passkey itself gives.
    server.clock.advance(11 * 60_000)
    await page.getByRole('button', { name: 'Delete Desk key' }).click()
    await page.locator('#passkeys-title ~ ul').getByRole('button', { name: 'Confirm with a passkey instead' }).click()
    await page.waitForURL((url) => url.search.includes('notice=stepped_up'))
    await page.getByRole('button', { name: 'Delete Desk key' }).click()
    await page.waitForURL((url) => url.search.includes('notice=passkey_deleted'))
    expect(pathOf(page)).toBe('/account/security')
    expect(await page.getByRole('heading', { name: /Passkeys/ }).textContent()).toContain('Off')
    const owner = await server.auth.api.accounts.findByEmail(email)
    const types = (await server.auth.api.audit.list(owner?.id ?? '')).map((event) => event.type)
    expect(types).toEqual(expect.arrayContaining(['account_created', 'passkey_added', 'step_up_completed', 'passkey_removed']))
    expect(errors).toEqual([])
  })
})
