import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { UI_HEADERS } from '../../src/ui/routes.js'
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

/** What a Lighthouse accessibility pass would flag first, read from the rendered page. */
async function pageProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = []
    const headings = document.querySelectorAll('h1').length
    if (headings !== 1) problems.push(`${headings} h1 elements`)
    if (!document.documentElement.lang) problems.push('no lang on <html>')
    if (!document.title) problems.push('no <title>')
    for (const input of document.querySelectorAll<HTMLInputElement>('input:not([type=hidden]):not([hidden]), select, textarea')) {
      const labelled = (input.labels?.length ?? 0) > 0 || input.hasAttribute('aria-label') || input.hasAttribute('aria-labelledby')
      if (!labelled) problems.push(`input ${input.name || input.id} has no label`)
    }
    for (const button of document.querySelectorAll('button, a')) {
      if (!(button.textContent ?? '').trim() && !button.getAttribute('aria-label')) problems.push(`${button.tagName} without a name`)
    }
    const ids = [...document.querySelectorAll('[id]')].map((element) => element.id)
    for (const id of new Set(ids)) if (ids.filter((other) => other === id).length > 1) problems.push(`duplicate id ${id}`)
    if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push('scrolls sideways')
    return problems
  })
}

describeInBrowser('web UI: accessibility basics, headers, lockout and CSRF', () => {
  let server: UiServer
  let browser: Browser
  let here: Device
  let phone: Device
  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startUiServer(), launchBrowser()])
    ;[here, phone] = await Promise.all([
      createDevice(browser),
      createDevice(browser, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('gives every page labelled inputs, one h1, the security headers and a clean console, on a phone-sized screen', async () => {
    const user = await createEnrolledUser(server)
    const { context, page, errors } = await phone.reset()
    const check = async (path: string) => {
      const response = await page.goto(`${server.url}${path}`)
      for (const [name, value] of Object.entries(UI_HEADERS)) expect(response?.headers()[name.toLowerCase()], `${name} of ${path}`).toBe(value)
      expect(response?.headers()['cache-control']).toBe('no-store')
      expect(await pageProblems(page), path).toEqual([])
    }
    for (const path of ['/login', '/signup', '/password/forgot', '/password/reset?token=x', '/email/verify?token=x', '/magic-link?token=x']) await check(path)
    await check(`/login/code?email=${encodeURIComponent(user.email)}`)
    await check('/login/link-sent?email=someone%40example.com')

    await signInInBrowser(page, server, user.email)
    await waitForHeading(page, 'Two-step verification')
    const challengePage = new URL(page.url())
    await check(`${challengePage.pathname}${challengePage.search}&method=recovery_code`)
    await check(`${challengePage.pathname}${challengePage.search}`)
    await page.getByLabel('6-digit code').fill(server.totp(user.secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    await waitForHeading(page, 'Account security')
    await check('/account/security')
    await page.getByRole('button', { name: 'Make new recovery codes' }).click()
    await waitForHeading(page, 'Save your recovery codes')
    expect(await pageProblems(page)).toEqual([])
    // The copy button is the page's only script: it shows itself and answers.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
    await page.getByRole('button', { name: 'Copy codes' }).click()
    // The status is written once the clipboard promise settles, after the click returns.
    await expect.poll(() => page.locator('#copy-status').textContent()).toMatch(/Copied|Selected/)

    const fresh = await here.reset()
    await signUpInBrowser(fresh.page, server, newEmail('setup'))
    await fresh.page.getByRole('button', { name: 'Set up authenticator app' }).click()
    await waitForHeading(fresh.page, 'Set up your authenticator app')
    expect(await pageProblems(fresh.page)).toEqual([])
    expect(await fresh.page.locator('img.qr').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true)
    expect(fresh.errors).toEqual([])

    expect(errors).toEqual([])
  })

  it('can be used with the keyboard alone, with a visible focus', async () => {
    const email = newEmail('keys')
    await server.auth.api.accounts.signUp({ email, password: PASSWORD }, { ip: '127.0.0.1', userAgent: 'setup' })
    const { page } = await here.reset()
    await page.goto(`${server.url}/login`)
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim())
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('Skip to content')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('email')
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)
    expect(outline).not.toBe('none')
    await page.keyboard.type(email)
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('password')
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press('Enter')
    await waitForHeading(page, 'Account security')
  })

  it('says when to try again after too many wrong passwords', async () => {
    const email = newEmail('locked')
    await server.auth.api.accounts.signUp({ email, password: PASSWORD }, { ip: '127.0.0.1', userAgent: 'setup' })
    const { page } = await here.reset()
    // All but the last wrong password through the service (the same counter), the last one on the page.
    for (let attempt = 1; attempt < server.auth.options.lockoutThreshold; attempt++) await server.auth.api.lockout.recordFailure(email)
    await signInInBrowser(page, server, email, 'a wrong password')
    expect(await page.locator('#password-error').textContent()).toBe('The email address or password is not right.')
    // Locked now, even for the right password.
    await signInInBrowser(page, server, email)
    expect(await page.getByRole('alert').textContent()).toContain('try again in 15 minutes')
    expect(pathOf(page)).toBe('/login')
  })

  it('refuses a form without its token or from another site', async () => {
    const { page } = await here.reset()
    await page.goto(`${server.url}/login`)
    const token = (await page.locator('input[name=_csrf]').first().getAttribute('value')) ?? ''
    const form = { email: 'someone@example.com', password: PASSWORD }
    const missing = await page.request.post(`${server.url}/login`, { form, maxRedirects: 0 })
    expect(missing.status()).toBe(403)
    expect(await missing.text()).toContain('This page has expired')
    const foreign = await page.request.post(`${server.url}/login`, {
      form: { ...form, _csrf: token },
      headers: { origin: 'https://evil.example' },
      maxRedirects: 0,
    })
    expect(foreign.status()).toBe(403)
    const good = await page.request.post(`${server.url}/login`, { form: { ...form, _csrf: token }, headers: { origin: server.url }, maxRedirects: 0 })
    expect(good.status()).toBe(401)
  })
})

it('lets the API take a form post with Origin: null only when the browser says it came from the same origin', async () => {
  // Pages sent with Referrer-Policy: no-referrer make Chromium send `Origin: null` on their own forms.
  const server = await startUiServer()
  try {
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/auth/magic-link/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'token=x',
      })
    const same = await post({ origin: 'null', 'sec-fetch-site': 'same-origin' })
    expect(same.status).toBe(400)
    expect(await same.text()).toContain('Link expired')
    for (const headers of [{ origin: 'null' }, { origin: 'null', 'sec-fetch-site': 'cross-site' }, { origin: 'null', 'sec-fetch-site': 'same-site' }] as Record<
      string,
      string
    >[]) {
      const refused = await post(headers)
      expect(refused.status).toBe(403)
      expect((await refused.json()).error.code).toBe('csrf_failed')
    }
  } finally {
    await server.close()
  }
})

it('serves only the API with UI_ENABLED=false, and the product name and accent colour otherwise', async () => {
  const off = await startUiServer({}, { enabled: false })
  const named = await startUiServer({}, { enabled: true, productName: 'Acme Login', accentColor: '#ffcc00' })
  try {
    expect((await fetch(`${off.url}/login`, { headers: { accept: 'text/html' } })).status).toBe(404)
    expect(await (await fetch(`${off.url}/`)).text()).toContain('Portcullis is running')
    expect((await fetch(`${off.url}/api/auth/password/policy`)).status).toBe(200)

    const page = await (await fetch(`${named.url}/login`)).text()
    expect(page).toContain('<title>Sign in · Acme Login</title>')
    const stylesheet = /href="(\/assets\/style\.css\?v=\w+)"/.exec(page)?.[1] ?? ''
    const css = await (await fetch(`${named.url}${stylesheet}`)).text()
    expect(css).toContain('--accent: #ffcc00')
    expect(css).toContain('--accent-text: #111')
  } finally {
    await off.close()
    await named.close()
  }
})
