import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openStore } from '../../src/store/store.js'
import { dialects, type TestDatabase } from '../support/dialects.js'
import { type ServerProcess, spawnCli, startServer } from '../support/server-process.js'

// API.md: "Every grant, code, token and session of the provider lives in the same store, so several
// processes share it." Two real `portcullis serve` processes on one PostgreSQL schema: the
// authorization starts on one, the sign-in's interaction and the code exchange happen on the other.

vi.setConfig({ testTimeout: 120_000, hookTimeout: 90_000 })

const PASSWORD = 'correct horse battery staple'
const postgres = dialects.find((dialect) => dialect.name === 'postgres')
const REDIRECT = 'https://app.example.com/callback'

/** A cookie jar that keeps name=value pairs across both servers, as one browser would. */
function jar() {
  const cookies = new Map<string, string>()
  return {
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    take(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const index = (pair as string).indexOf('=')
        cookies.set((pair as string).slice(0, index), (pair as string).slice(index + 1))
      }
    },
    set: (name: string, value: string) => cookies.set(name, value),
  }
}

describe.runIf(postgres)('OpenID provider on two server processes sharing one PostgreSQL', () => {
  let database: TestDatabase
  let a: ServerProcess
  let b: ServerProcess
  let env: Record<string, string>
  let clientId: string
  let clientSecret: string

  beforeAll(async () => {
    database = await (postgres as NonNullable<typeof postgres>).create()
    const store = openStore(database.url)
    await database.migrate(() => store.migrate())
    await store.close()
    env = {
      DATABASE_URL: database.url,
      PORTCULLIS_SECRET: 'oidc-two-processes-secret-'.padEnd(48, 'x'),
      PORTCULLIS_AUTO_MIGRATE: 'false',
      OIDC_ENABLED: 'true',
    }
    const added = spawnCli(['oidc', 'client', 'add', '--name', 'App', '--redirect-uri', REDIRECT], env)
    expect(await added.exited).toBe(0)
    clientId = /client_id: (\S+)/.exec(added.output())?.[1] as string
    clientSecret = /client_secret: (\S+)/.exec(added.output())?.[1] as string
    ;[a, b] = await Promise.all([startServer(env), startServer(env)])
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await database?.drop()
  })

  it('starts the authorization on one process and redeems the code on the other', async () => {
    const browser = jar()
    const signUp = await fetch(`${a.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', 'x-auth-flow': 'token' },
      body: JSON.stringify({ email: `two-${Date.now()}@example.com`, password: PASSWORD }),
    })
    expect(signUp.status).toBe(201)
    const { token, user } = (await signUp.json()) as { token: string; user: { id: string } }
    browser.set('portcullis_session', token)

    const metadata = (await (await fetch(`${b.url}/oidc/.well-known/openid-configuration`)).json()) as client.ServerMetadata
    const config = new client.Configuration(metadata, clientId, undefined, client.ClientSecretBasic(clientSecret))
    client.allowInsecureRequests(config)
    const verifier = client.randomPKCECodeVerifier()
    const nonce = client.randomNonce()
    const authorize = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
    })

    // Process A starts it and sends the browser to the interaction…
    const started = await fetch(`${a.url}${authorize.pathname}${authorize.search}`, { redirect: 'manual', headers: { cookie: browser.header() } })
    expect(started.status).toBe(303)
    browser.take(started)
    const interaction = started.headers.get('location') as string
    expect(interaction).toMatch(/^\/oidc\/interaction\//)
    // …which process B serves: the Portcullis session is reused, and B resumes the authorization…
    const signedIn = await fetch(`${b.url}${interaction}`, { redirect: 'manual', headers: { cookie: browser.header(), accept: 'text/html' } })
    expect(signedIn.status).toBe(303)
    browser.take(signedIn)
    const resume = new URL(signedIn.headers.get('location') as string)
    // …then A shows the consent page, B takes the consent…
    const toConsent = await fetch(`${a.url}${resume.pathname}`, { redirect: 'manual', headers: { cookie: browser.header() } })
    browser.take(toConsent)
    const consent = toConsent.headers.get('location') as string
    expect(consent).toMatch(/^\/oidc\/interaction\//)
    const consentPage = await fetch(`${a.url}${consent}`, { headers: { cookie: browser.header(), accept: 'text/html' } })
    browser.take(consentPage)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await consentPage.text())?.[1] as string
    const consented = await fetch(`${b.url}${consent}/consent`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: browser.header(), origin: 'http://localhost:3000', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }),
    })
    expect(consented.status).toBe(200)
    const next = /url=([^"]+)"/.exec(await consented.text())?.[1] as string
    // …and A issues the code.
    const done = await fetch(next.replace(/^http:\/\/localhost:3000/, a.url), { redirect: 'manual', headers: { cookie: browser.header() } })
    const callback = new URL(done.headers.get('location') as string)
    expect(callback.origin + callback.pathname).toBe(REDIRECT)
    expect(callback.searchParams.get('code')).toEqual(expect.any(String))

    // Process B redeems it; a replay on A is refused.
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true })
    expect(tokens.claims()).toMatchObject({ sub: user.id, acr: 'urn:portcullis:aal1', amr: ['pwd'] })
    const replay = await fetch(`${a.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') as string,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      }),
    })
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
  })
})
