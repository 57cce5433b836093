import { rmSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { dialects } from '../support/dialects.js'
import { spawnCli } from '../support/server-process.js'

// `portcullis serve --workers N` (src/server/cluster.ts): real processes, SQLite and PostgreSQL.

vi.setConfig({ testTimeout: 120_000 })

async function waitFor<T>(read: () => T | undefined, what: string, output: () => string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`no ${what}:\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The pids of the workers the primary reported listening, from its log line. */
const workerPids = (output: string): number[] | undefined => {
  const line = output.split('\n').find((candidate) => candidate.includes('workers listening'))
  return line ? (JSON.parse(line) as { workers: number[] }).workers : undefined
}

describe.each(dialects)('$name: serve --workers', (dialect) => {
  it('starts two workers that migrate nothing themselves and share the port, and stops them all on SIGTERM', async () => {
    const database = await dialect.create()
    // The primary migrates; on PostgreSQL it must hold the shared schema lock meanwhile (test/support/dialects.ts).
    const env: Record<string, string> = { DATABASE_URL: database.url, PORTCULLIS_SECRET: 'workers-test-secret-'.padEnd(48, 'x') }
    let release: () => void = () => {}
    const migrated = new Promise<void>((resolve) => {
      release = resolve
    })
    const holding = database.migrate(() => migrated)
    const server = spawnCli(['serve', '--workers', '2'], env)
    try {
      const pids = await waitFor(() => workerPids(server.output()), '"2 workers listening"', server.output)
      release()
      await holding
      expect(pids).toHaveLength(2)
      expect(server.output().match(/"msg":"database migrated"/g)).toHaveLength(1)
      const url = /"url":"(http:\/\/[^"]+)"/.exec(server.output())?.[1] as string
      const headers = { 'content-type': 'application/json', origin: 'http://localhost:3000', 'x-auth-flow': 'token' }
      const signUp = await fetch(`${url}/api/auth/signup`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email: 'workers@example.com', password: 'correct horse battery staple' }),
      })
      expect(signUp.status).toBe(201)
      const { token } = (await signUp.json()) as { token: string }
      // New connections each time, so both workers answer some of them.
      for (let i = 0; i < 8; i++) {
        const check = await fetch(`${url}/api/auth/session`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } })
        expect(check.status).toBe(200)
      }

      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
      expect(pids.filter(alive)).toEqual([])
      expect(server.output()).toContain('all workers stopped')
    } finally {
      release()
      await holding.catch(() => {})
      if (server.child.exitCode === null) server.child.kill('SIGKILL')
      rmSync(server.dir, { recursive: true, force: true })
      await database.drop()
    }
  })
})

describe('serve --workers on SQLite', () => {
  it('replaces a worker that crashes and keeps serving', async () => {
    const server = spawnCli(['serve', '--workers', '2'], { PORTCULLIS_SECRET: 'workers-test-secret-'.padEnd(48, 'x') })
    try {
      const pids = await waitFor(() => workerPids(server.output()), '"2 workers listening"', server.output)
      const url = /"url":"(http:\/\/[^"]+)"/.exec(server.output())?.[1] as string
      process.kill(pids[0] as number, 'SIGKILL')
      await waitFor(() => (server.output().includes('worker died; starting another') ? true : undefined), 'restart', server.output)
      await waitFor(() => ((server.output().match(/Portcullis listening/g)?.length ?? 0) >= 3 ? true : undefined), 'a third listening worker', server.output)
      for (let i = 0; i < 4; i++) expect((await fetch(`${url}/healthz`, { headers: { connection: 'close' } })).status).toBe(200)
      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL')
      rmSync(server.dir, { recursive: true, force: true })
    }
  })

  it('refuses a --workers value that is not a whole number from 1 to 64', async () => {
    const cli = spawnCli(['serve', '--workers', '0'])
    expect(await cli.exited).toBe(2)
    expect(cli.output()).toContain('--workers must be a whole number')
    rmSync(cli.dir, { recursive: true, force: true })
  })
})
