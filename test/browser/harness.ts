import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getRequestListener } from '@hono/node-server'
import { pino } from 'pino'
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core'
import type { AuthOptions } from '../../src/config/options.js'
import { type Auth, createAuth } from '../../src/create-auth.js'
import { decodeSecret, totpCodeAt } from '../../src/features/totp/index.js'
import { createServerApp } from '../../src/server/app.js'
import type { UiSettings } from '../../src/server/server-env.js'
import { createFixedClock, createMemoryMailer, type FixedClock, type MemoryMailer } from '../../src/testing.js'

export const CHROMIUM = '/usr/bin/chromium'
export const PASSWORD = 'correct horse battery staple'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Headless Chromium on a fresh temporary profile; contexts made from it share nothing. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}

export interface UiServer {
  url: string
  auth: Auth
  clock: FixedClock
  mailbox: MemoryMailer
  /** Waits for mail to an address and returns its text (the outbox sends in the background). */
  mailTo(address: string, after?: number): Promise<string>
  /** The current TOTP code of a base32 secret at the server's clock. */
  totp(secret: string): string
  close(): Promise<void>
}

/**
 * The standalone server's app (API and UI) on a random loopback port, with a temporary SQLite
 * database, a fixed clock and an in-memory mailbox. PUBLIC_URL is the real address, so mailed
 * links and the Origin check work as they do in production.
 */
export async function startUiServer(options: AuthOptions = {}, ui: UiSettings = { enabled: true }, hostName = '127.0.0.1'): Promise<UiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-ui-'))
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  // WebAuthn takes a domain as the relying party, never an IP address: passkey tests use "localhost".
  const url = `http://${hostName}:${(server.address() as AddressInfo).port}`
  const clock = createFixedClock(new Date())
  const mailbox = createMemoryMailer()
  const auth = createAuth({
    databaseUrl: `sqlite:${join(dir, 'auth.db')}`,
    publicUrl: url,
    clock,
    // With `smtpUrl` (e.g. test/support/smtp-peer.ts) mail goes out over SMTP; otherwise to the mailbox.
    mailer: options.smtpUrl ? undefined : mailbox,
    logger: pino({ level: 'silent' }),
    signupRateLimit: { limit: 10_000, windowSeconds: 3600 },
    ...options,
  })
  await auth.migrate()
  server.on('request', getRequestListener(createServerApp(auth, ui).fetch))

  async function mailTo(address: string, after = 0): Promise<string> {
    for (let tries = 0; tries < 100; tries++) {
      await auth.flushMail()
      const messages = mailbox.messages.filter((message) => message.to === address)
      if (messages.length > after) return (messages.at(-1) as { text: string }).text
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`no mail to ${address}`)
  }

  return {
    url,
    auth,
    clock,
    mailbox,
    mailTo,
    totp: (secret) => totpCodeAt(decodeSecret(secret), Math.floor(clock.now().getTime() / 1000)),
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await auth.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A browser context standing for one device: its page, and the console errors seen there. */
export interface Device {
  context: BrowserContext
  page: Page
  errors: string[]
  /** Forgets cookies, permissions and errors, so the next test starts as a stranger on this device. */
  reset(): Promise<Device>
}

/**
 * A device whose actions fail fast, so a broken step names itself instead of timing the test out.
 * Suites keep a device or two and reset them per test: a new context costs seconds on a busy machine.
 */
export async function createDevice(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<Device> {
  const context = await browser.newContext(options)
  context.setDefaultTimeout(5_000)
  const errors = collectPageErrors(context)
  const page = await context.newPage()
  const device: Device = {
    context,
    page,
    errors,
    async reset() {
      await context.clearCookies()
      await context.clearPermissions()
      errors.length = 0
      return device
    },
  }
  return device
}

/** Signs out with the header button. */
export async function signOutInBrowser(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click()
  await page.waitForURL((url) => url.pathname === '/login')
}

/** Console errors and uncaught exceptions of every page of a context: a page must have none. */
export function collectPageErrors(context: BrowserContext): string[] {
  const errors: string[] = []
  // A form answered with its errors is a page with a 4xx status, which Chromium logs; that is by design.
  const refusedForms = new Set<string>()
  context.on('response', (response) => {
    if (response.request().resourceType() === 'document' && response.request().method() === 'POST' && response.status() < 500) {
      refusedForms.add(response.url())
    }
  })
  context.on('console', (message) => {
    if (message.type() !== 'error') return
    const url = message.location().url
    if (refusedForms.has(url) && /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return
    errors.push(`${url}: ${message.text()}`)
  })
  context.on('weberror', (error) => errors.push(String(error.error())))
  return errors
}

let counter = 0
export const newEmail = (prefix = 'user') => `${prefix}-${Date.now()}-${++counter}@example.com`

/** Signs up through the form; ends on the account page. */
export async function signUpInBrowser(page: Page, server: UiServer, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${server.url}/signup`)
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL((url) => url.pathname === '/account/security')
}

/** Enrols TOTP from the account page, reading the secret off the page; returns it and the recovery codes. */
export async function enrolTotpInBrowser(page: Page, server: UiServer): Promise<{ secret: string; recoveryCodes: string[] }> {
  await page.getByRole('button', { name: 'Set up authenticator app' }).click()
  await waitForHeading(page, 'Set up your authenticator app')
  const secret = (await page.locator('#secret').getAttribute('data-secret')) ?? ''
  await page.getByLabel('Enter the 6-digit code the app shows').fill(server.totp(secret))
  await page.getByRole('button', { name: 'Turn on' }).click()
  await waitForHeading(page, 'Save your recovery codes')
  const recoveryCodes = await page.locator('#codes li').allTextContents()
  // The confirming code is spent: the next sign-in needs the next time step.
  server.clock.advance(30_000)
  return { secret, recoveryCodes }
}

/** Password sign-in through the form; the caller checks where it lands. */
export async function signInInBrowser(page: Page, server: UiServer, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${server.url}/login`)
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/** A user with TOTP on, made through the services (faster than the browser for tests about later steps). */
export async function createEnrolledUser(server: UiServer, email = newEmail('mfa')): Promise<{ email: string; secret: string; recoveryCodes: string[] }> {
  const { api } = server.auth
  const context = {
    ip: '127.0.0.1',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1',
  }
  const created = await api.accounts.signUp({ email, password: PASSWORD }, context)
  if (created.kind !== 'created') throw new Error('the browser tests run with SIGNUP_MODE=open')
  const { user } = created
  const enrollment = await api.mfa.enrollTotp(user.id)
  const { recoveryCodes } = await api.mfa.confirmTotp(user.id, enrollment.enrollmentId, server.totp(enrollment.secret), context)
  server.clock.advance(30_000)
  return { email, secret: enrollment.secret, recoveryCodes: recoveryCodes ?? [] }
}

export const pathOf = (page: Page) => new URL(page.url()).pathname

/** Waits until the page's one h1 reads `text` (after a form post, the next page has loaded). */
export async function waitForHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor()
}

/** Chromium's virtual authenticator (DevTools protocol): a platform passkey that verifies the user. */
export async function addVirtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  return { cdp, authenticatorId }
}
