// `npm run bench`: the real server under closed-loop load over loopback, beside the physical limits
// of this machine (raw argon2id, a trivial route on the same HTTP stack) and, with --peer, beside
// better-auth, all in one run so the ratios survive a noisy machine. See docs/benchmarks.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, resolve } from 'node:path'
import { betterAuthTarget, ensurePeerInstalled } from './lib/better-auth-target.js'
import { REPO_ROOT } from './lib/child.js'
import { measureLimits } from './lib/limits.js'
import { portcullisTarget } from './lib/portcullis-target.js'
import { type BenchResults, checkTargets, type Machine, toMarkdown } from './lib/report.js'
import { benchTarget, type TargetReport } from './lib/scenarios.js'
import { readSettings } from './lib/settings.js'

function machine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown'
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel
  } catch {}
  return {
    cpus: cpus().length,
    cpuModel,
    memoryGb: totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg()[0] ?? 0,
  }
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2))
  const log = (line: string) => process.stderr.write(`${line}\n`)
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const host = machine()
  log(`bench: ${host.cpus} × ${host.cpuModel}, Node ${host.node}, load average ${host.loadAverageAtStart.toFixed(2)}; ${settings.database}`)
  if (settings.peer) ensurePeerInstalled(log)
  if (settings.profileDir) {
    mkdirSync(settings.profileDir, { recursive: true })
    log(`CPU profiles go to ${settings.profileDir} (summarise one with bench/profile-summary.ts)`)
  }

  const wantsLimits = settings.only === null || settings.only.includes('limits')
  if (wantsLimits) log('physical limits')
  const limits = wantsLimits ? await measureLimits(settings, log) : null
  const targets: TargetReport[] = []
  for (const target of settings.peer ? [portcullisTarget(), betterAuthTarget()] : [portcullisTarget()]) {
    log(`${target.name} ${target.version}`)
    targets.push(await benchTarget(target, settings, log))
  }

  // Portcullis on SQLite beside its PostgreSQL run: the reference DESIGN.md's PostgreSQL target is measured against.
  let reference: TargetReport | null = null
  if (settings.alsoSqlite) {
    log('portcullis on SQLite (reference)')
    reference = await benchTarget(portcullisTarget(), settings, log, 'sqlite')
  }

  const [ours, peer] = targets as [TargetReport, TargetReport | undefined]
  const { out, ...shown } = settings
  const results: BenchResults = {
    startedAt,
    seconds: (performance.now() - started) / 1000,
    machine: host,
    settings: shown,
    limits,
    targets,
    reference,
    checks: checkTargets(limits, ours, peer, reference),
  }
  const markdown = toMarkdown(results)
  const jsonPath = resolve(REPO_ROOT, out)
  mkdirSync(dirname(jsonPath), { recursive: true })
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(jsonPath.replace(/\.json$/, '.md'), markdown)
  process.stdout.write(`\n${markdown}\nwritten: ${jsonPath} (and .md)\n`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  },
)
