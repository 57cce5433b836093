import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as client from 'openid-client'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NO_CONTEXT } from '../../src/request-context.js'
import { openStore } from '../../src/store/store.js'
import {
  createDevice,
  createEnrolledUser,
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

// API.md "Single sign-on (OpenID Connect)": a real relying party (openid-client) against the real
// server, with the sign-in done by a person in Chromium through the web UI's pages.

interface RelyingParty {
  config: client.Configuration
  clientId: string
  redirectUri: string
}

describeInBrowser('OpenID Connect provider', () => {
  let server: UiServer
  let browser: Browser
  let device: Device
  let callback: Server
  let callbackBase: string
  let confidential: RelyingParty
  let firstParty: RelyingParty

  beforeAll(async () => {
    callback = createServer((_request, response) => response.end('signed in at the application'))
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve))
    callbackBase = `http://127.0.0.1:${(callback.address() as AddressInfo).port}`
    ;[server, browser] = await Promise.all([startUiServer({ oidcEnabled: true }), launchBrowser()])
    device = await createDevice(browser)
    confidential = await relyingParty('Wiki', false, false)
    firstParty = await relyingParty('Dashboard', true, true)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await new Promise((resolve) => callback?.close(resolve))
  })

  async function relyingParty(name: string, isPublic: boolean, isFirstParty: boolean): Promise<RelyingParty> {
    const redirectUri = `${callbackBase}/${name.toLowerCase()}/callback`
    const { client: registered, secret } = await server.auth.oidc.clients.add({
      name,
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [`${callbackBase}/${name.toLowerCase()}/signed-out`],
      public: isPublic,
      firstParty: isFirstParty,
    })
    const auth = secret ? client.ClientSecretBasic(secret) : client.None()
    const config = await client.discovery(new URL(`${server.url}/oidc`), registered.id, undefined, auth, { execute: [client.allowInsecureRequests] })
    // Verify every ID token's signature against JWKS (openid-client skips it for token-endpoint responses by default).
    client.enableNonRepudiationChecks(config)
    return { config, clientId: registered.id, redirectUri }
  }

  interface Started {
    url: URL
    verifier: string
    nonce: string
    state: string
  }

  async function start(rp: RelyingParty, extra: Record<string, string> = {}): Promise<Started> {
    const verifier = client.randomPKCECodeVerifier()
    const nonce = client.randomNonce()
    const state = client.randomState()
    const url = client.buildAuthorizationUrl(rp.config, {
      redirect_uri: rp.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      ...extra,
    })
    return { url, verifier, nonce, state }
  }

  /** Waits for the browser to arrive back at the application and returns the URL it arrived at. */
  async function arrival(page: Page, rp: RelyingParty): Promise<URL> {
    await page.waitForURL((url) => url.href.startsWith(rp.redirectUri))
    return new URL(page.url())
  }

  async function redeem(rp: RelyingParty, started: Started, at: URL) {
    return client.authorizationCodeGrant(rp.config, at, { pkceCodeVerifier: started.verifier, expectedNonce: started.nonce, expectedState: started.state })
  }

  async function signInWithTotp(page: Page, email: string, secret: string) {
    await waitForHeading(page, `Sign in to ${server.auth.options.totpIssuer}`)
    await page.getByLabel('Email address').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await waitForHeading(page, 'Two-step verification')
    await page.getByLabel('6-digit code').fill(server.totp(secret))
    await page.getByRole('button', { name: 'Verify' }).click()
  }

  const auditTypes = async (email: string) => {
    const user = await server.auth.api.accounts.findByEmail(email)
    return (await server.auth.api.audit.list(user?.id as string)).map((event) => event.type)
  }

  it('builds every endpoint on the issuer, whatever X-Forwarded-Host and -Proto a client sends', async () => {
    // An https public URL puts the provider in proxy mode (it must see https behind TLS termination),
    // the mode in which it reads the forwarded headers; TRUST_PROXY is not set.
    const behindTls = await startUiServer({ oidcEnabled: true, publicUrl: 'https://auth.example.test' })
    try {
      const response = await fetch(`${behindTls.url}/oidc/.well-known/openid-configuration`, {
        headers: { 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'http' },
      })
      expect(response.status).toBe(200)
      const metadata = (await response.json()) as Record<string, string>
      expect(metadata.issuer).toBe('https://auth.example.test/oidc')
      expect(metadata.authorization_endpoint).toBe('https://auth.example.test/oidc/auth')
      expect(JSON.stringify(metadata)).not.toContain('attacker.example')
    } finally {
      await behindTls.close()
    }
  })

  it('publishes discovery: the issuer, S256 only, the code flow only, the assurance levels', () => {
    const metadata = confidential.config.serverMetadata()
    expect(metadata.issuer).toBe(`${server.url}/oidc`)
    expect(metadata.code_challenge_methods_supported).toEqual(['S256'])
    expect(metadata.response_types_supported).toEqual(['code'])
    expect(metadata.acr_values_supported).toEqual(['urn:portcullis:aal1', 'urn:portcullis:aal2'])
    for (const endpoint of [
      'jwks_uri',
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'end_session_endpoint',
    ] as const) {
      expect(metadata[endpoint]).toMatch(new RegExp(`^${server.url}/oidc/`))
    }
  })

  it('answers an interaction without its cookie (or expired) with a page, not an error', async () => {
    const response = await fetch(`${server.url}/oidc/interaction/abcdefghijklmnopqrstu`, { headers: { accept: 'text/html' } })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('This sign-in request has expired')
  })

  it('signs in with password and TOTP in Chromium, asks consent once, and issues a signed ID token with acr, amr and the claims', async () => {
    const { page, errors } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    await server.auth.api.accounts.findByEmail(email)
    const started = await start(confidential)
    await page.goto(started.url.href)
    await signInWithTotp(page, email, secret)
    await waitForHeading(page, 'Allow Wiki?')
    expect(await page.getByRole('listitem').allTextContents()).toEqual(['Know who you are (your account id)', 'See your email address', 'See your name'])
    await page.getByRole('button', { name: 'Allow' }).click()
    const at = await arrival(page, confidential)
    expect(await page.textContent('body')).toBe('signed in at the application')

    const tokens = await redeem(confidential, started, at)
    const claims = tokens.claims()
    const user = await server.auth.api.accounts.findByEmail(email)
    expect(claims).toMatchObject({
      iss: `${server.url}/oidc`,
      aud: confidential.clientId,
      sub: user?.id,
      nonce: started.nonce,
      acr: 'urn:portcullis:aal2',
      amr: ['mfa', 'otp', 'pwd'],
      email,
      email_verified: false,
    })
    expect(claims?.auth_time).toBe(Math.floor(server.clock.now().getTime() / 1000))
    expect(tokens.refresh_token).toEqual(expect.any(String))
    const info = await client.fetchUserInfo(confidential.config, tokens.access_token, user?.id as string)
    expect(info).toMatchObject({ sub: user?.id, email })
    expect(await auditTypes(email)).toEqual(expect.arrayContaining(['oidc_consent_given', 'oidc_authorization_granted', 'oidc_token_issued']))

    // A second authorization reuses the session and the remembered consent: no page in between.
    const again = await start(confidential)
    await page.goto(again.url.href)
    const claimsAgain = (await redeem(confidential, again, await arrival(page, confidential))).claims()
    expect(claimsAgain?.acr).toBe('urn:portcullis:aal2')
    expect(errors).toEqual([])
  })

  it('rotates refresh tokens, and a replayed one revokes the whole family', async () => {
    const { page } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const started = await start(firstParty)
    await page.goto(started.url.href)
    await signInWithTotp(page, email, secret)
    const first = await redeem(firstParty, started, await arrival(page, firstParty))
    const original = first.refresh_token as string

    const rotated = await client.refreshTokenGrant(firstParty.config, original)
    expect(rotated.refresh_token).toEqual(expect.any(String))
    expect(rotated.refresh_token).not.toBe(original)
    expect(rotated.claims()?.acr).toBe('urn:portcullis:aal2')

    await expect(client.refreshTokenGrant(firstParty.config, original)).rejects.toMatchObject({ error: 'invalid_grant' })
    // The replay took the rotated token and its access token down with it.
    await expect(client.refreshTokenGrant(firstParty.config, rotated.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(client.fetchUserInfo(firstParty.config, rotated.access_token, client.skipSubjectCheck)).rejects.toMatchObject({ status: 401 })
    expect(await auditTypes(email)).toEqual(expect.arrayContaining(['oidc_refresh_token_rotated', 'oidc_refresh_token_replayed']))
  })

  it('refuses a replayed code, a missing or wrong PKCE verifier, and an unregistered redirect_uri', async () => {
    const { page } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const started = await start(firstParty)
    await page.goto(started.url.href)
    await signInWithTotp(page, email, secret)
    const at = await arrival(page, firstParty)

    const token = (body: Record<string, string>) =>
      fetch(firstParty.config.serverMetadata().token_endpoint as string, {
        method: 'POST',
        body: new URLSearchParams({ client_id: firstParty.clientId, ...body }),
      })
    const code = at.searchParams.get('code') as string
    const base = { grant_type: 'authorization_code', code, redirect_uri: firstParty.redirectUri }
    const missing = await token(base)
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ error: 'invalid_grant' })
    const wrong = await token({ ...base, code_verifier: client.randomPKCECodeVerifier() })
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' })

    // The code is still good for the verifier it was issued to (a failed PKCE check does not spend it)…
    const issued = await redeem(firstParty, started, at)
    // …and only once: a replay is refused and revokes what the first exchange issued.
    await expect(redeem(firstParty, started, at)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(client.fetchUserInfo(firstParty.config, issued.access_token, client.skipSubjectCheck)).rejects.toMatchObject({ status: 401 })

    const elsewhere = await start(firstParty, { redirect_uri: `${callbackBase}/dashboard/callback/other` })
    const response = await fetch(elsewhere.url, { redirect: 'manual' })
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(await response.text()).toContain('redirect_uri did not match any of the client&#39;s registered redirect_uris')
  })

  it('answers prompt=none with login_required without a session, and with unmet_authentication_requirements for aal2 on an aal 1 session', async () => {
    const { page } = await device.reset()
    const silent = await start(firstParty, { prompt: 'none' })
    await page.goto(silent.url.href)
    const noSession = await arrival(page, firstParty)
    expect(noSession.searchParams.get('error')).toBe('login_required')
    await expect(redeem(firstParty, silent, noSession)).rejects.toMatchObject({ error: 'login_required' })

    const email = newEmail('aal1')
    await server.auth.api.accounts.signUp({ email, password: PASSWORD }, NO_CONTEXT)
    const plain = await start(firstParty)
    await page.goto(plain.url.href)
    await page.getByLabel('Email address').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    const claims = (await redeem(firstParty, plain, await arrival(page, firstParty))).claims()
    expect(claims).toMatchObject({ acr: 'urn:portcullis:aal1', amr: ['pwd'] })

    const demanding = await start(firstParty, { prompt: 'none', acr_values: 'urn:portcullis:aal2' })
    await page.goto(demanding.url.href)
    expect((await arrival(page, firstParty)).searchParams.get('error')).toBe('unmet_authentication_requirements')

    // Without prompt=none, a user with no second factor is led to set one up.
    const leading = await start(firstParty, { acr_values: 'aal2' })
    const response = await page.goto(leading.url.href)
    expect(response?.status()).toBe(403)
    await waitForHeading(page, 'Set up two-step verification')
  })

  it('steps an aal 1 session up to aal 2 with the authenticator app when the client asks acr_values=aal2', async () => {
    const { page, errors } = await device.reset()
    const email = newEmail('stepup')
    const signedUp = await server.auth.api.accounts.signUp({ email, password: PASSWORD }, NO_CONTEXT)
    if (signedUp.kind !== 'created') throw new Error('expected an account (SIGNUP_MODE=open)')
    const { user } = signedUp
    const plain = await start(firstParty)
    await page.goto(plain.url.href)
    await page.getByLabel('Email address').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    expect((await redeem(firstParty, plain, await arrival(page, firstParty))).claims()?.acr).toBe('urn:portcullis:aal1')

    // The person sets up TOTP later; their session stays aal 1.
    const enrollment = await server.auth.api.mfa.enrollTotp(user.id)
    await server.auth.api.mfa.confirmTotp(user.id, enrollment.enrollmentId, server.totp(enrollment.secret), NO_CONTEXT)
    server.clock.advance(30_000)

    const demanding = await start(firstParty, { acr_values: 'urn:portcullis:aal2' })
    await page.goto(demanding.url.href)
    await waitForHeading(page, 'Two-step verification')
    expect(pathOf(page)).toBe('/login/verify')
    await page.getByLabel('6-digit code').fill(server.totp(enrollment.secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    const claims = (await redeem(firstParty, demanding, await arrival(page, firstParty))).claims()
    expect(claims).toMatchObject({ acr: 'urn:portcullis:aal2', amr: ['mfa', 'otp', 'pwd'] })
    expect(errors).toEqual([])
  })

  it('signs in with a code sent by email and then an authenticator code, and reports both in amr', async () => {
    const { page, errors } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const started = await start(firstParty)
    await page.goto(started.url.href)
    await page.getByLabel('Email address').fill(email)
    await page.getByRole('button', { name: 'Email me a code' }).click()
    const code = /Your code: (\d{6})/.exec(await server.mailTo(email))?.[1] as string
    await page.getByLabel('Code from the email').fill(code)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await waitForHeading(page, 'Two-step verification')
    await page.getByLabel('6-digit code').fill(server.totp(secret))
    await page.getByRole('button', { name: 'Verify' }).click()
    const claims = (await redeem(firstParty, started, await arrival(page, firstParty))).claims()
    expect(claims).toMatchObject({ acr: 'urn:portcullis:aal2', amr: ['mca', 'mfa', 'otp'] })
    expect(errors).toEqual([])
  })

  it('takes a person who signs up on the way back to the application', async () => {
    const { page, errors } = await device.reset()
    const started = await start(firstParty)
    await page.goto(started.url.href)
    await page.getByRole('link', { name: 'Create an account' }).click()
    const email = newEmail('newcomer')
    await page.getByLabel('Email address').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Create account' }).click()
    const claims = (await redeem(firstParty, started, await arrival(page, firstParty))).claims()
    expect(claims).toMatchObject({ email, acr: 'urn:portcullis:aal1', amr: ['pwd'] })
    expect(errors).toEqual([])
  })

  it('asks for a fresh sign-in on prompt=login and past max_age, and reuses the session otherwise', async () => {
    const { page } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const first = await start(firstParty)
    await page.goto(first.url.href)
    await signInWithTotp(page, email, secret)
    const authTime = (await redeem(firstParty, first, await arrival(page, firstParty))).claims()?.auth_time as number

    server.clock.advance(120_000)
    const within = await start(firstParty, { max_age: '600' })
    await page.goto(within.url.href)
    expect((await redeem(firstParty, within, await arrival(page, firstParty))).claims()?.auth_time).toBe(authTime)

    const past = await start(firstParty, { max_age: '60' })
    await page.goto(past.url.href)
    await signInWithTotp(page, email, secret)
    const renewed = (await redeem(firstParty, past, await arrival(page, firstParty))).claims()?.auth_time as number
    expect(renewed).toBe(authTime + 120)

    server.clock.advance(30_000)
    const forced = await start(firstParty, { prompt: 'login' })
    await page.goto(forced.url.href)
    await signInWithTotp(page, email, secret)
    expect((await redeem(firstParty, forced, await arrival(page, firstParty))).claims()?.auth_time).toBe(renewed + 30)
  })

  it('signs out at the provider (RP-initiated logout), which ends the Portcullis session too', async () => {
    const { page } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const started = await start(firstParty)
    await page.goto(started.url.href)
    await signInWithTotp(page, email, secret)
    const tokens = await redeem(firstParty, started, await arrival(page, firstParty))

    const postLogout = `${callbackBase}/dashboard/signed-out`
    await page.goto(client.buildEndSessionUrl(firstParty.config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: postLogout }).href)
    await waitForHeading(page, 'Sign out')
    await page.getByRole('button', { name: 'Yes, sign me out' }).click()
    await page.waitForURL((url) => url.href.startsWith(postLogout))

    await page.goto(`${server.url}/account/security`)
    expect(pathOf(page)).toBe('/login')
    const silent = await start(firstParty, { prompt: 'none' })
    await page.goto(silent.url.href)
    expect((await arrival(page, firstParty)).searchParams.get('error')).toBe('login_required')
  })

  it('revokes every grant of a user (account disable), so refresh tokens stop working', async () => {
    const { page } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const started = await start(firstParty)
    await page.goto(started.url.href)
    await signInWithTotp(page, email, secret)
    const tokens = await redeem(firstParty, started, await arrival(page, firstParty))
    const user = await server.auth.api.accounts.findByEmail(email)

    expect(await server.auth.oidc.revokeGrantsForUser(user?.id as string, NO_CONTEXT, 'account_disabled')).toBe(1)
    await expect(client.refreshTokenGrant(firstParty.config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' })
    expect(await auditTypes(email)).toContain('oidc_grant_revoked')
  })

  it('gives no new tokens to a user who can no longer sign in, even before the grants are revoked', async () => {
    const { page } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const started = await start(firstParty)
    await page.goto(started.url.href)
    await signInWithTotp(page, email, secret)
    const tokens = await redeem(firstParty, started, await arrival(page, firstParty))
    const user = await server.auth.api.accounts.findByEmail(email)

    const store = openStore(server.auth.options.databaseUrl)
    await store.db
      .deleteFrom('users')
      .where('id', '=', user?.id as string)
      .execute()
    await store.close()
    await expect(client.refreshTokenGrant(firstParty.config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(client.fetchUserInfo(firstParty.config, tokens.access_token, client.skipSubjectCheck)).rejects.toMatchObject({ status: 401 })
  })
  it('keeps the old public key in JWKS after a rotation and signs with the new one', async () => {
    const jwks = async () => ((await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> }).keys
    const before = await jwks()
    const { kid } = await server.auth.oidc.rotateKeys()
    server.clock.advance(61_000)
    const after = await jwks()
    expect(after.map((key) => key.kid)).toEqual([kid, ...before.map((key) => key.kid)])
    expect(after.every((key) => key.d === undefined)).toBe(true)

    // A relying party that reads JWKS after the rotation (an earlier one may have the old set cached).
    const rp = await relyingParty('Reader', true, true)
    const { page } = await device.reset()
    const { email, secret } = await createEnrolledUser(server)
    const started = await start(rp)
    await page.goto(started.url.href)
    await signInWithTotp(page, email, secret)
    const tokens = await redeem(rp, started, await arrival(page, rp))
    const header = JSON.parse(Buffer.from((tokens.id_token as string).split('.')[0] as string, 'base64url').toString()) as { kid: string }
    expect(header.kid).toBe(kid)
  })
})
