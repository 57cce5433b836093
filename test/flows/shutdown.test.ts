import { afterEach, describe, expect, it, vi } from 'vitest'
import { type ServerProcess, startServer } from '../support/server-process.js'
import { type SmtpPeer, startSmtpPeer } from '../support/smtp-peer.js'

// Found from outside: servers ignored SIGTERM for as long as 45 minutes when the reader of their
// stdout had gone away, and with an SMTP peer that had stopped answering. Shutdown drains requests
// and mail for at most SHUTDOWN_TIMEOUT and then exits, whatever logging or mail delivery is doing.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const PASSWORD = 'correct horse battery staple'

/** Milliseconds from SIGTERM to the exit, and the exit code; fails past `limitMs`. */
async function terminate(server: ServerProcess, limitMs: number): Promise<{ ms: number; code: number | null }> {
  const started = performance.now()
  server.child.kill('SIGTERM')
  const limit = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), limitMs))
  const outcome = await Promise.race([server.exited, limit])
  if (outcome === 'hung') throw new Error(`still running ${limitMs} ms after SIGTERM:\n${server.output()}`)
  return { ms: performance.now() - started, code: outcome }
}

async function signUp(server: ServerProcess, email: string): Promise<void> {
  const response = await fetch(`${server.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-flow': 'token' },
    body: JSON.stringify({ email, password: PASSWORD }),
  })
  expect(response.status).toBe(201)
}

describe('shutdown on SIGTERM', () => {
  let server: ServerProcess | undefined
  let smtp: SmtpPeer | undefined
  afterEach(async () => {
    await server?.stop()
    smtp?.resume()
    await smtp?.close()
    server = undefined
    smtp = undefined
  })

  it('exits promptly after the reader of its stdout has gone away', async () => {
    server = await startServer({ PORTCULLIS_SECRET: 'shutdown-test-secret-'.padEnd(48, 'x') })
    // Nothing is logged between the reader leaving and the signal, so the first failed write is
    // at shutdown: pino's default destination then retried it forever in its exit-time flush.
    server.child.stdout?.destroy()
    const { ms, code } = await terminate(server, 8000)
    expect(code).toBe(0)
    expect(ms).toBeLessThan(5000)
  })

  /** A server with SHUTDOWN_TIMEOUT=2s whose SMTP peer stops answering while a reset mail for `email` is queued. */
  async function serverWithMailStuck(email: string, beforeMail: () => void = () => {}): Promise<ServerProcess> {
    smtp = await startSmtpPeer()
    const started = await startServer({ PORTCULLIS_SECRET: 'shutdown-test-secret-'.padEnd(48, 'x'), SMTP_URL: smtp.url, SHUTDOWN_TIMEOUT: '2s' })
    server = started
    await signUp(started, email)
    smtp.pause()
    beforeMail()
    const forgot = await fetch(`${started.url}/api/auth/password/forgot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    })
    expect(forgot.status).toBe(202)
    return started
  }

  it('gives mail to an SMTP peer that stopped answering at most SHUTDOWN_TIMEOUT, then exits', async () => {
    const stuck = await serverWithMailStuck('smtp-gone@example.com')
    const { ms, code } = await terminate(stuck, 8000)
    // It waited for the mail (the timeout, not at once), then gave up and said so.
    expect(ms).toBeGreaterThan(1500)
    expect(ms).toBeLessThan(5000)
    expect(code).toBe(1)
    expect(stuck.output()).toMatch(/did not finish by SHUTDOWN_TIMEOUT/)
  })

  it('holds to SHUTDOWN_TIMEOUT with stdout gone and the SMTP peer silent together', async () => {
    const stuck = await serverWithMailStuck('both-gone@example.com', () => server?.child.stdout?.destroy())
    const { ms, code } = await terminate(stuck, 8000)
    expect(ms).toBeLessThan(5000)
    expect(code).toBe(1)
  })

  it('refuses a SHUTDOWN_TIMEOUT that is not a duration', async () => {
    await expect(startServer({ SHUTDOWN_TIMEOUT: 'soon' })).rejects.toThrow(/SHUTDOWN_TIMEOUT/)
  })
})
