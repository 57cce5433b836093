import { afterEach, describe, expect, it, vi } from 'vitest'
import { wantsPrettyLogs } from '../../src/logger.js'
import { type Spawned, spawnCli, startServer } from '../support/server-process.js'

// The first minutes with Portcullis: a secret from the CLI, a warning that says how to get one,
// and logs a person can read in a terminal.

vi.setConfig({ testTimeout: 60_000 })
const spawned: Spawned[] = []
afterEach(() => {
  for (const process of spawned.splice(0)) if (process.child.exitCode === null) process.child.kill('SIGKILL')
})

async function waitFor(process: Spawned, text: string): Promise<string> {
  for (let tries = 0; tries < 400 && !process.output().includes(text); tries++) await new Promise((resolve) => setTimeout(resolve, 100))
  return process.output()
}

describe('portcullis secret', () => {
  it('prints a new secret of 32 random bytes (base64url) each time', async () => {
    const runs = [spawnCli(['secret']), spawnCli(['secret'])]
    spawned.push(...runs)
    const codes = await Promise.all(runs.map((run) => run.exited))
    expect(codes).toEqual([0, 0])
    const secrets = runs.map((run) => run.output().trim())
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32)
    }
    expect(secrets[0]).not.toBe(secrets[1])
  })
})

describe('the development-secret warning', () => {
  it('names the command that makes a secret', async () => {
    const server = await startServer()
    try {
      expect(server.output()).toContain('built-in development secret')
      expect(server.output()).toContain('portcullis secret')
    } finally {
      await server.stop()
    }
  })
})

describe('log format', () => {
  it('is readable lines on a terminal and JSON lines otherwise; LOG_FORMAT decides first', () => {
    expect(wantsPrettyLogs({}, true)).toBe(true)
    expect(wantsPrettyLogs({}, false)).toBe(false)
    expect(wantsPrettyLogs({ LOG_FORMAT: 'json' }, true)).toBe(false)
    expect(wantsPrettyLogs({ LOG_FORMAT: 'pretty' }, false)).toBe(true)
  })

  it('prints readable lines from serve', async () => {
    const server = spawnCli(['serve'], { LOG_FORMAT: 'pretty' })
    spawned.push(server)
    const output = await waitFor(server, 'Portcullis listening on')
    const line = output.split('\n').find((candidate) => candidate.includes('Portcullis listening on')) ?? ''
    expect(line).toMatch(/INFO/)
    expect(line.trim().startsWith('{')).toBe(false)
  })
})
