import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

// Runs `npm run bench -- --quick` for real, with two connections and 0.3 s windows, so that it stays a
// few CPU-seconds beside the other suites. It checks that the bench runs end to end and writes
// numbers; it never judges a speed, which a shared CI machine cannot promise.
const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-smoke-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function runBench(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('exit', (code) => resolve({ code, stderr }))
  })
}

const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value)

describe('npm run bench -- --quick', () => {
  it('runs every scenario and writes the results as JSON and markdown', async () => {
    const out = join(dir, 'bench.json')
    const { code, stderr } = await runBench(['--quick', '--duration', '0.3', '--connections', '2', '--out', out])
    expect(code, stderr).toBe(0)
    const results = JSON.parse(readFileSync(out, 'utf8'))
    expect(isNumber(results.limits.argon2.hashesPerSecond)).toBe(true)
    expect(isNumber(results.limits.trivial[0].rate)).toBe(true)
    const [portcullis] = results.targets
    expect(portcullis.rows.map((row: { scenario: string }) => row.scenario)).toEqual(['session', 'sign-in', 'mfa-sign-in', 'sign-up', 'mixed'])
    for (const row of portcullis.rows) {
      for (const value of [row.rate, row.latency.p50, row.latency.p99, row.latency.p999, row.errors, row.server.peakRssMb]) expect(isNumber(value)).toBe(true)
    }
    expect(portcullis.rows[0].ok).toBeGreaterThan(0)
    expect(isNumber(portcullis.storm.session.latency.p99)).toBe(true)
    expect(portcullis.overload.signIn.started).toBeGreaterThan(0)
    expect(isNumber(portcullis.overload.session.latency.p99)).toBe(true)
    expect(typeof portcullis.replay.replayAccepted).toBe('boolean')
    expect(readFileSync(out.replace(/\.json$/, '.md'), 'utf8')).toContain('| portcullis | session |')
  }, 120_000)
})
