import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/clock.js'
import { createAuth } from '../../src/create-auth.js'
import { createKeyring } from '../../src/crypto/keys.js'
import { cryptoRandom } from '../../src/crypto/random.js'
import { createAdapterFactory } from '../../src/oidc/adapter.js'
import { createClientRegistry } from '../../src/oidc/clients.js'
import { NO_CONTEXT } from '../../src/request-context.js'
import { dialects } from '../support/dialects.js'
import { createTestAuth, type TestAuth } from '../support/test-auth.js'

// The OpenID provider's storage (DESIGN.md: shared by every process, surviving restarts, single use
// as one conditional write), on every dialect.

describe.each(dialects)('$name: OpenID provider storage', (dialect) => {
  let t: TestAuth
  afterEach(async () => {
    await t?.close()
  })

  const adapterOf = (kind: string, replays: string[] = []) => {
    const keyring = createKeyring(t.auth.options.secret)
    const clients = createClientRegistry({ store: t.store, clock: t.clock, random: cryptoRandom, keyring })
    return createAdapterFactory({ store: t.store, clock: t.clock, clients, onRaceReplay: async (replayed) => void replays.push(replayed) })(kind)
  }

  it('stores, finds, consumes and revokes artefacts by grant', async () => {
    t = await createTestAuth(dialect)
    const codes = adapterOf('AuthorizationCode')
    const tokens = adapterOf('AccessToken')
    await codes.upsert('code-1', { grantId: 'g1', accountId: 'u1', clientId: 'c1', kind: 'AuthorizationCode' }, 60)
    await tokens.upsert('at-1', { grantId: 'g1', accountId: 'u1', clientId: 'c1', kind: 'AccessToken' }, 3600)
    await tokens.upsert('at-2', { grantId: 'g2', accountId: 'u1', clientId: 'c1', kind: 'AccessToken' }, 3600)
    expect(await codes.find('code-1')).toMatchObject({ grantId: 'g1', accountId: 'u1' })
    expect(await tokens.find('code-1')).toBeUndefined()

    await codes.consume('code-1')
    expect(await codes.find('code-1')).toMatchObject({ consumed: expect.any(Number) })
    // Saved again (oidc-provider re-saves some artefacts), a spent code stays spent.
    await codes.upsert('code-1', { grantId: 'g1', accountId: 'u1', clientId: 'c1', kind: 'AuthorizationCode' }, 60)
    expect(await codes.find('code-1')).toMatchObject({ consumed: expect.any(Number) })

    await tokens.revokeByGrantId('g1')
    expect(await tokens.find('at-1')).toBeUndefined()
    expect(await codes.find('code-1')).toBeUndefined()
    expect(await tokens.find('at-2')).toBeDefined()
  })

  it('lets exactly one of 20 concurrent consumes of one refresh token win, and the losers revoke its grant', async () => {
    t = await createTestAuth(dialect)
    const replays: string[] = []
    const refresh = adapterOf('RefreshToken', replays)
    await refresh.upsert('rt-1', { grantId: 'g1', accountId: 'u1', clientId: 'c1', kind: 'RefreshToken' }, 3600)
    await adapterOf('Grant').upsert('g1', { accountId: 'u1', clientId: 'c1', kind: 'Grant' }, 3600)
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => refresh.consume('rt-1')))
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    expect(refused).toHaveLength(19)
    expect(refused[0]?.reason).toMatchObject({ error: 'invalid_grant' })
    expect(replays.length).toBeGreaterThan(0)
    expect(await refresh.find('rt-1')).toBeUndefined()
    expect(await adapterOf('Grant').find('g1')).toBeUndefined()
  })

  it('purges expired artefacts with the other expired rows, and keeps live ones', async () => {
    t = await createTestAuth(dialect)
    const sessions = adapterOf('Session')
    await sessions.upsert('short', { accountId: 'u1', kind: 'Session' }, 60)
    await sessions.upsert('long', { accountId: 'u1', kind: 'Session' }, 86_400)
    t.clock.advance(120_000)
    expect(await t.auth.purgeExpired()).toBeGreaterThanOrEqual(1)
    expect(await sessions.find('short')).toBeUndefined()
    expect(await sessions.find('long')).toBeDefined()
  })

  it('seals client secrets and signing keys at rest, and a restarted process reads both', async () => {
    t = await createTestAuth(dialect)
    const { client, secret } = await t.auth.oidc.clients.add({ name: 'Wiki', redirectUris: ['https://wiki.example.com/cb'], public: false, firstParty: false })
    await t.auth.oidc.provider()
    const row = await t.store.db.selectFrom('oidc_clients').selectAll().where('id', '=', client.id).executeTakeFirstOrThrow()
    expect(row.secret_sealed).not.toContain(secret as string)
    expect(row.secret_sealed).toMatch(/^v1\./)
    const keys = await t.store.db.selectFrom('oidc_signing_keys').selectAll().execute()
    expect(keys).toHaveLength(1)
    expect(keys[0]?.private_sealed).toMatch(/^v1\./)
    expect(keys[0]?.private_sealed).not.toContain('"d"')

    // A second process on the same database, with the same secret.
    const other = createAuth({ databaseUrl: t.auth.options.databaseUrl, clock: systemClock, logger: pino({ level: 'silent' }) })
    try {
      expect(await other.oidc.clients.metadata(client.id)).toMatchObject({ client_secret: secret, token_endpoint_auth_method: 'client_secret_basic' })
      await other.oidc.provider()
      expect(await t.store.db.selectFrom('oidc_signing_keys').selectAll().execute()).toHaveLength(1)
      // A process with another secret cannot open them.
      const stranger = createAuth({
        databaseUrl: t.auth.options.databaseUrl,
        secret: 'another-secret-of-at-least-32-bytes-long',
        logger: pino({ level: 'silent' }),
      })
      expect(await stranger.oidc.clients.metadata(client.id)).toBeUndefined()
      await expect(stranger.oidc.provider()).rejects.toThrow(/does not open/)
      await stranger.close()
    } finally {
      await other.close()
    }
  })

  it('refuses redirect URIs that are not exact https (or loopback http) URIs', async () => {
    t = await createTestAuth(dialect)
    const add = (redirectUris: string[]) => t.auth.oidc.clients.add({ name: 'App', redirectUris, public: true, firstParty: false })
    await expect(add(['http://wiki.example.com/cb'])).rejects.toMatchObject({ code: 'invalid_request' })
    await expect(add(['https://wiki.example.com/cb#x'])).rejects.toMatchObject({ code: 'invalid_request' })
    await expect(add(['not a uri'])).rejects.toMatchObject({ code: 'invalid_request' })
    await expect(add([])).rejects.toMatchObject({ code: 'invalid_request' })
    expect(await t.store.db.selectFrom('oidc_clients').selectAll().execute()).toEqual([])
    await expect(add(['http://127.0.0.1:8080/cb', 'com.example.app:/cb'])).resolves.toMatchObject({ secret: null })
  })

  it('withdraws consent and revokes grants of one user only', async () => {
    t = await createTestAuth(dialect)
    const grants = adapterOf('Grant')
    await grants.upsert('g1', { accountId: 'u1', clientId: 'c1', kind: 'Grant' }, 3600)
    await grants.upsert('g2', { accountId: 'u2', clientId: 'c1', kind: 'Grant' }, 3600)
    expect(await t.auth.oidc.revokeConsent('u1', 'c1', NO_CONTEXT)).toBe(true)
    expect(await grants.find('g1')).toBeUndefined()
    expect(await grants.find('g2')).toBeDefined()
    expect(await t.auth.oidc.revokeGrantsForUser('u2', NO_CONTEXT)).toBe(1)
    expect(await grants.find('g2')).toBeUndefined()
  })

  it('revokes every grant of an account an administrator disables or deletes, and lets neither sign in', async () => {
    t = await createTestAuth(dialect)
    const grants = adapterOf('Grant')
    const tokens = adapterOf('RefreshToken')
    const disabled = await t.signUp()
    const deleted = await t.signUp()
    const other = await t.signUp()
    for (const [grant, user] of [
      ['g-disabled', disabled],
      ['g-deleted', deleted],
      ['g-other', other],
    ] as const) {
      await grants.upsert(grant, { accountId: user.user.id, clientId: 'c1', kind: 'Grant' }, 3600)
      await tokens.upsert(`rt-${grant}`, { grantId: grant, accountId: user.user.id, clientId: 'c1', kind: 'RefreshToken' }, 3600)
    }
    expect(await t.auth.oidc.canSignIn(disabled.user.id)).toBe(true)

    await t.auth.api.admin.disable(disabled.user.id, NO_CONTEXT)
    await t.auth.api.admin.remove(deleted.user.id, NO_CONTEXT)

    for (const gone of ['g-disabled', 'g-deleted']) {
      expect(await grants.find(gone)).toBeUndefined()
      expect(await tokens.find(`rt-${gone}`)).toBeUndefined()
    }
    expect(await grants.find('g-other')).toBeDefined()
    expect(await t.auth.oidc.canSignIn(disabled.user.id)).toBe(false)
    expect(await t.auth.oidc.canSignIn(deleted.user.id)).toBe(false)
    expect(await t.auth.oidc.canSignIn(other.user.id)).toBe(true)
    const events = await t.auth.api.audit.list(disabled.user.id)
    expect(events.filter((event) => event.type === 'oidc_grant_revoked')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ grantId: 'g-disabled', reason: 'account_disabled' }) }),
    ])
  })
})
