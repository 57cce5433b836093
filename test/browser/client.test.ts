import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { addVirtualAuthenticator, createDevice, type Device, launchBrowser, newEmail, PASSWORD, startUiServer, type UiServer } from './harness.js'
import { describeInBrowser } from './suite.js'

// portcullis/client bundled for the browser (platform "browser": a Node built-in would fail the
// bundle), loaded into a page of the server's origin, with Chromium's virtual authenticator.

const ENTRY = fileURLToPath(new URL('../../src/client/index.ts', import.meta.url))

describeInBrowser('portcullis/client in a browser', () => {
  let server: UiServer
  let browser: Browser
  let device: Device
  let bundle: string
  beforeAll(async () => {
    const bundling = build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'iife',
      globalName: 'PortcullisClient',
      platform: 'browser',
      target: 'es2022',
      write: false,
    })
    // A passkey's relying party is a domain, never an IP address.
    const [built, started, launched] = await Promise.all([bundling, startUiServer({}, { enabled: false }, 'localhost'), launchBrowser()])
    bundle = built.outputFiles[0]?.text ?? ''
    server = started
    browser = launched
    device = await createDevice(browser)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('uses the cookie flow, adds a passkey with passkeys.register() and signs in with passkeys.signIn() at aal 2', async () => {
    const { page } = device
    await addVirtualAuthenticator(page)
    await page.goto(`${server.url}/healthz`)
    await page.addScriptTag({ content: bundle })
    const outcome = await page.evaluate(
      async ({ email, password }) => {
        const { createAuthClient } = (globalThis as unknown as { PortcullisClient: typeof import('../../src/client/index.js') }).PortcullisClient
        const auth = createAuthClient({ baseUrl: `${location.origin}/api/auth` })
        await auth.signUp({ email, password })
        const added = await auth.passkeys.register({ name: 'Test laptop' })
        await auth.signOut()
        const signedOut = await auth.session()
        const signedIn = await auth.passkeys.signIn()
        const current = await auth.session()
        return {
          flow: auth.flow,
          token: auth.token,
          name: added.credential.name,
          signedOut,
          kind: signedIn.kind,
          aal: current?.session.aal,
          email: current?.user.email,
        }
      },
      { email: newEmail('client-passkey'), password: PASSWORD },
    )
    expect(outcome).toMatchObject({ flow: 'cookie', token: null, name: 'Test laptop', signedOut: null, kind: 'session', aal: 2 })
    // The 401 of session() while signed out is logged by the browser as a failed load; nothing else may be.
    expect(device.errors.filter((error) => !error.includes('Failed to load resource'))).toEqual([])
  })
})
