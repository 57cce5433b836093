import { freePort, runJsonScript, spawnServer, watchProcess } from './child.js'
import { openHttp, runClosedLoop } from './load.js'
import type { ScenarioRow } from './scenarios.js'
import type { BenchSettings } from './settings.js'

export interface Argon2Limit {
  /** As many at once as the libuv thread pool runs. */
  concurrency: number
  cores: number
  hashesPerSecond: number
  verifiesPerSecond: number
  /** Verification with one at a time per core instead of per pool thread. */
  verifiesPerSecondOnePerCore: number
  params: Record<string, number>
}

export interface Limits {
  argon2: Argon2Limit
  /** GET of a trivial route on Hono + @hono/node-server, at each concurrency. */
  trivial: Array<Omit<ScenarioRow, 'scenario'> & { scenario: 'trivial' }>
}

/** The physical limits of this machine, measured in the same run as the scenarios. */
export async function measureLimits(settings: BenchSettings, log: (line: string) => void): Promise<Limits> {
  const argon2 = (await runJsonScript('bench/servers/argon2.ts', { DURATION_MS: String(Math.max(600, settings.durationMs * 0.8)) })) as unknown as Argon2Limit
  log(
    `  raw argon2id: ${argon2.hashesPerSecond.toFixed(1)} hashes/s, ${argon2.verifiesPerSecond.toFixed(1)} verifies/s at ${argon2.concurrency} at once` +
      ` (${argon2.verifiesPerSecondOnePerCore.toFixed(1)} verifies/s at ${argon2.cores})`,
  )
  const port = await freePort()
  const server = await spawnServer({ name: 'trivial', script: 'bench/servers/trivial.ts', env: { PORT: String(port) } })
  const trivial: Limits['trivial'] = []
  try {
    for (const connections of settings.connections) {
      const http = openHttp(server.origin, connections)
      const watch = watchProcess(server.pid)
      const result = await runClosedLoop({
        connections,
        durationMs: settings.durationMs,
        warmupMs: settings.warmupMs,
        op: async () => {
          const response = await http.request({ method: 'GET', path: '/api/auth/ping' })
          return response.status === 200 ? { kind: 'trivial', ok: true } : { kind: 'trivial', ok: false, reason: String(response.status) }
        },
      })
      trivial.push({ scenario: 'trivial', ...result, server: watch.stop() })
      await http.close()
      log(`  trivial route c=${connections}: ${result.rate.toFixed(0)}/s p99 ${result.latency.p99.toFixed(2)} ms`)
    }
  } finally {
    await server.stop()
  }
  return { argon2, trivial }
}
