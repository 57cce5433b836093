import { rmSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { openStore } from '../../src/store/store.js'
import { spawnCli } from '../support/server-process.js'

// API.md "Single sign-on": `portcullis oidc client add|list|remove` and `oidc rotate-keys`, run as the bin runs.

vi.setConfig({ testTimeout: 120_000 })

async function run(args: string[], env: Record<string, string>) {
  const spawned = spawnCli(args, env)
  return { code: await spawned.exited, output: spawned.output() }
}

describe('portcullis oidc', () => {
  it('adds a client once with its secret shown once, lists it without the secret, rotates keys and removes it', async () => {
    const first = spawnCli(['migrate'], { LOG_LEVEL: 'warn' })
    expect(await first.exited).toBe(0)
    const env = { DATABASE_URL: `sqlite:${first.dir}/auth.db`, LOG_LEVEL: 'warn' }

    const added = await run(['oidc', 'client', 'add', '--name', 'Wiki', '--redirect-uri', 'https://wiki.example.com/cb', '--first-party'], env)
    expect(added.code).toBe(0)
    const id = /client_id: (\S+)/.exec(added.output)?.[1] as string
    const secret = /client_secret: (\S+)/.exec(added.output)?.[1] as string
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const pub = await run(['oidc', 'client', 'add', '--name', 'SPA', '--redirect-uri', 'https://spa.example.com/cb', '--public'], env)
    expect(pub.output).not.toContain('client_secret')
    expect(pub.output).toContain('none (PKCE S256 required)')

    const bad = await run(['oidc', 'client', 'add', '--name', 'Bad', '--redirect-uri', 'http://evil.example.com/cb'], env)
    expect(bad.code).toBe(1)
    expect(bad.output).toContain('may use http only for localhost')

    const listed = await run(['oidc', 'client', 'list'], env)
    expect(listed.output).toContain(`${id}  Wiki  (confidential, first-party)  https://wiki.example.com/cb`)
    expect(listed.output).toContain('SPA  (public)')
    expect(listed.output).not.toContain(secret)

    const rotated = await run(['oidc', 'rotate-keys'], env)
    expect(rotated.code).toBe(0)
    expect(rotated.output).toMatch(/New signing key portcullis-\S+; the previous key stays in JWKS until /)
    const store = openStore(env.DATABASE_URL)
    const keys = await store.db.selectFrom('oidc_signing_keys').select(['kid', 'retired_at', 'expires_at']).execute()
    await store.close()
    expect(keys.filter((key) => key.retired_at === null)).toHaveLength(1)

    expect((await run(['oidc', 'client', 'remove', id], env)).code).toBe(0)
    expect((await run(['oidc', 'client', 'remove', id], env)).code).toBe(1)
    expect((await run(['oidc', 'client', 'list'], env)).output).not.toContain('Wiki')
    rmSync(first.dir, { recursive: true, force: true })
  })
})
