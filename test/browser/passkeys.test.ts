import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  addVirtualAuthenticator,
  createDevice,
  type Device,
  launchBrowser,
  newEmail,
  pathOf,
  signInInBrowser,
  signOutInBrowser,
  signUpInBrowser,
  startUiServer,
  type UiServer,
  waitForHeading,
} from './harness.js'
import { describeInBrowser } from './suite.js'

describeInBrowser('web UI: passkeys', () => {
  let server: UiServer
  let browser: Browser
  let device: Device
  beforeAll(async () => {
    // A passkey's relying party is a domain, never an IP address.
    ;[server, browser] = await Promise.all([startUiServer({}, { enabled: true }, 'localhost'), launchBrowser()])
    device = await createDevice(browser)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('adds a passkey on the security page, signs in with it alone, uses it as the second step, and deletes it', async () => {
    const { page, errors } = device
    const { cdp, authenticatorId } = await addVirtualAuthenticator(page)
    const email = newEmail('passkey')

    await signUpInBrowser(page, server, email)
    await page.getByLabel('Name for the new passkey').fill('Test laptop')
    await page.getByRole('button', { name: 'Add a passkey' }).click()
    // The first factor comes with recovery codes, shown once on the page.
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
    expect(await page.locator('ol.codes li').count()).toBe(10)
    await page.getByRole('link', { name: 'I saved my recovery codes' }).click()
    await page.waitForURL((url) => url.search.includes('notice=passkey_added'))
    expect(await page.getByRole('status').textContent()).toContain('Your passkey was added')
    expect(await page.getByRole('heading', { name: /Passkeys/ }).textContent()).toContain('On')
    expect(await page.getByText('Test laptop').count()).toBe(1)
    // A discoverable credential: the device keeps it, so a sign-in needs no email.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    expect(credentials[0]?.isResidentCredential).toBe(true)

    await signOutInBrowser(page)
    // Signing out on a page is recorded as the API's POST /logout is.
    const owner = await server.auth.api.accounts.findByEmail(email)
    const revoked = (await server.auth.api.audit.list(owner?.id ?? '')).filter((event) => event.type === 'session_revoked')
    expect(revoked.map((event) => event.data)).toEqual([expect.objectContaining({ current: true, reason: 'logout' })])
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await waitForHeading(page, 'Account security')
    expect(pathOf(page)).toBe('/account/security')

    await signOutInBrowser(page)
    await signInInBrowser(page, server, email)
    await waitForHeading(page, 'Two-step verification')
    await page.getByRole('button', { name: 'Use your passkey' }).click()
    await waitForHeading(page, 'Account security')

    const session = await page.evaluate(async () => (await fetch('/api/auth/session')).json())
    expect(session.session.aal).toBe(2)

    // A second factor just now: deleting the passkey needs nothing more.
    await page.getByRole('button', { name: 'Delete Test laptop' }).click()
    await page.waitForURL((url) => url.search.includes('notice=passkey_deleted'))
    expect(await page.getByRole('heading', { name: /Passkeys/ }).textContent()).toContain('Off')
    expect(errors).toEqual([])
  })
})
