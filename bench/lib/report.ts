import type { Limits } from './limits.js'
import type { LoadResult } from './load.js'
import type { ScenarioRow, TargetReport } from './scenarios.js'
import type { BenchSettings } from './settings.js'

export interface Machine {
  cpus: number
  cpuModel: string
  memoryGb: number
  node: string
  platform: string
  /** 1-minute load average when the run started: other work on the machine skews every number. */
  loadAverageAtStart: number
}

export interface Check {
  target: string
  measured: string
  met: boolean | null
}

export interface BenchResults {
  startedAt: string
  seconds: number
  machine: Machine
  settings: Omit<BenchSettings, 'out'>
  /** Null when --only left the limits out. */
  limits: Limits | null
  targets: TargetReport[]
  /** Portcullis on SQLite in the same run (--pg --also-sqlite), or null. */
  reference?: TargetReport | null
  checks: Check[]
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—')
const rate = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1))
const times = (value: number | null) => (value === null || !Number.isFinite(value) ? '—' : `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}×`)

function findRow(report: TargetReport | undefined, scenario: string, connections: number): ScenarioRow | undefined {
  return report?.rows.find((row) => row.scenario === scenario && row.connections === connections)
}

// The server hashes one password per core (src/crypto/argon2-pool.ts), so the limit is the better
// of the two raw verify rates measured: the thread pool's and one per core.
const rawVerifyRate = (limits: Limits) => Math.max(limits.argon2.verifiesPerSecond, limits.argon2.verifiesPerSecondOnePerCore)

/** How a row compares with the physical limit it is bounded by. */
function versusLimit(row: ScenarioRow, limits: Limits | null): string {
  if (!limits) return '—'
  if (row.scenario === 'session') {
    const trivial = limits.trivial.find((t) => t.connections === row.connections)
    return trivial ? `${times(row.rate / trivial.rate)} trivial` : '—'
  }
  if (row.scenario === 'sign-in' || row.scenario === 'mfa-sign-in') return `${fixed((100 * row.rate) / rawVerifyRate(limits), 0)}% raw verify`
  if (row.scenario === 'sign-up') return `${fixed((100 * row.rate) / limits.argon2.hashesPerSecond, 0)}% raw hash`
  return '—'
}

/** The verdicts of DESIGN.md's performance targets, from this run's numbers. */
export function checkTargets(limits: Limits | null, ours: TargetReport, peer: TargetReport | undefined, reference: TargetReport | null = null): Check[] {
  const sessions = ours.rows.filter((row) => row.scenario === 'session')
  const best = (rows: ScenarioRow[]) => rows.reduce<ScenarioRow | undefined>((top, row) => (!top || row.rate > top.rate ? row : top), undefined)
  const bestSession = best(sessions)
  const checks: Check[] = []
  if (bestSession) {
    checks.push({
      target: 'session ≥ 10,000 req/s (2 cores, SQLite)',
      measured: `${rate(bestSession.rate)} req/s (c=${bestSession.connections}, ${ours.database})`,
      met: bestSession.rate >= 10_000,
    })
  }
  const at64 = findRow(ours, 'session', 64)
  if (at64) checks.push({ target: 'session p99 < 10 ms at 64 connections', measured: `${fixed(at64.latency.p99, 2)} ms`, met: at64.latency.p99 < 10 })
  const bestSignIn = best(ours.rows.filter((row) => row.scenario === 'sign-in'))
  if (bestSignIn && limits) {
    const share = bestSignIn.rate / rawVerifyRate(limits)
    checks.push({
      target: 'sign-in ≥ 80% of raw argon2id',
      measured: `${fixed(100 * share, 0)}% (${rate(bestSignIn.rate)}/s of ${rate(rawVerifyRate(limits))}/s)`,
      met: share >= 0.8,
    })
  }
  const bestSignUp = best(ours.rows.filter((row) => row.scenario === 'sign-up'))
  if (bestSignUp && limits) {
    const share = bestSignUp.rate / limits.argon2.hashesPerSecond
    checks.push({
      target: 'sign-up ≥ 80% of raw argon2id',
      measured: `${fixed(100 * share, 0)}% (${rate(bestSignUp.rate)}/s of ${rate(limits.argon2.hashesPerSecond)}/s)`,
      met: share >= 0.8,
    })
  }
  if (ours.storm) {
    const p99 = ours.storm.session.latency.p99
    checks.push({ target: 'session p99 during a sign-in storm < 20 ms', measured: `${fixed(p99, 2)} ms`, met: p99 < 20 })
  }
  if (ours.overload) {
    const { session, signIn } = ours.overload
    const p99 = session.latency.p99
    checks.push({ target: 'session p99 under 4× sign-in overload < 20 ms', measured: `${fixed(p99, 2)} ms`, met: p99 < 20 })
    const failures = Object.entries(signIn.outcomes).filter(([key]) => key.startsWith('5') && key !== '503')
    const count = failures.reduce((sum, [, n]) => sum + n, 0) + session.errors
    checks.push({
      target: 'under overload the excess is shed (503), nothing answers 500',
      measured: `${signIn.outcomes['503'] ?? 0} shed, ${count} other 5xx or session errors`,
      met: count === 0 && (signIn.outcomes['503'] ?? 0) > 0,
    })
  }
  if (peer && bestSession) {
    const theirs = best(peer.rows.filter((row) => row.scenario === 'session'))
    const ratio = theirs ? bestSession.rate / theirs.rate : Number.NaN
    checks.push({
      target: 'session ≥ 20× better-auth',
      measured: `${times(ratio)} (${rate(bestSession.rate)} vs ${rate(theirs?.rate ?? Number.NaN)} req/s)`,
      met: ratio >= 20,
    })
  }
  if (reference && bestSession && ours.database === 'postgres') {
    const theirs = best(reference.rows.filter((row) => row.scenario === 'session'))
    const ratio = theirs ? bestSession.rate / theirs.rate : Number.NaN
    checks.push({
      target: 'PostgreSQL session checks ≥ 0.8× SQLite (same run)',
      measured: `${times(ratio)} (${rate(bestSession.rate)} vs ${rate(theirs?.rate ?? Number.NaN)} req/s)`,
      met: ratio >= 0.8,
    })
  }
  if (peer?.storm && ours.storm) {
    const stormRatio = peer.storm.session.latency.p99 / ours.storm.session.latency.p99
    checks.push({
      target: 'session p99 during a storm ≥ 10× lower than better-auth',
      measured: `${times(stormRatio)} (${fixed(ours.storm.session.latency.p99, 2)} vs ${fixed(peer.storm.session.latency.p99, 1)} ms)`,
      met: stormRatio >= 10,
    })
  }
  return checks
}

/** Server CPU time per operation: the cost of the code path itself, steadier than rates on a busy machine. */
function cpuPerOp(row: { finished: number; server: { cpuSeconds: number } }): string {
  if (row.finished === 0) return '—'
  const micros = (1e6 * row.server.cpuSeconds) / row.finished
  return micros >= 10_000 ? `${(micros / 1000).toFixed(0)} ms` : micros >= 1000 ? `${(micros / 1000).toFixed(1)} ms` : `${micros.toFixed(0)} µs`
}

// A window in which nothing finished says only that the rate was below one per window, and that
// every operation took longer than the window (so no latency can be given).
function loadCells(result: LoadResult): string[] {
  const l = result.latency
  if (l.count === 0) return [`< ${fixed(1 / result.seconds, 1)}`, `> ${fixed(1000 * result.seconds, 0)}`, '—', '—', String(result.errors), '0']
  return [rate(result.rate), fixed(l.p50, 2), fixed(l.p99, 2), fixed(l.p999, 2), String(result.errors), String(l.count)]
}

/** Ours over theirs; when nothing of theirs finished in the window, a lower bound. */
function versusPeer(ours: LoadResult, theirs: LoadResult | undefined): string {
  if (!theirs) return ''
  if (theirs.latency.count === 0) return ours.latency.count === 0 ? '—' : `> ${times(ours.rate * theirs.seconds)}`
  return times(ours.rate / theirs.rate)
}

/** The run as markdown tables: limits, scenarios with their ratios, the storm, the replay probe, the targets. */
export function toMarkdown(results: BenchResults): string {
  const { machine, limits, targets, settings } = results
  const [ours, peer] = targets
  const lines: string[] = []
  lines.push(
    `Run of ${results.startedAt} (${fixed(results.seconds, 0)} s): ${machine.cpus} × ${machine.cpuModel}, ${fixed(machine.memoryGb, 0)} GB, Node ${machine.node}, ` +
      `load average ${fixed(machine.loadAverageAtStart, 2)} at start; ${ours?.database ?? settings.database}${results.reference ? ' (and sqlite as the reference)' : ''}; ` +
      `${settings.workers ?? 1} server process${(settings.workers ?? 1) > 1 ? 'es (--workers)' : ''}; ${settings.durationMs / 1000} s windows after ${settings.warmupMs / 1000} s warm-up.`,
    '',
  )
  if (limits) {
    const { memoryCost, timeCost, parallelism } = limits.argon2.params
    lines.push(
      '| physical limit | measured |',
      '|---|---|',
      `| raw argon2id (m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}), ${limits.argon2.concurrency} at once (the thread pool) | ${rate(limits.argon2.hashesPerSecond)} hashes/s, ${rate(limits.argon2.verifiesPerSecond)} verifies/s |`,
    )
    if (limits.argon2.cores !== limits.argon2.concurrency) {
      lines.push(`| the same, ${limits.argon2.cores} at once (one per core) | ${rate(limits.argon2.verifiesPerSecondOnePerCore)} verifies/s |`)
    }
    for (const t of limits.trivial) {
      lines.push(
        `| trivial GET (Hono + @hono/node-server), ${t.connections} connections | ${rate(t.rate)} req/s, p99 ${fixed(t.latency.p99, 2)} ms, server CPU ${cpuPerOp(t)}/req |`,
      )
    }
    lines.push('')
  }
  lines.push(
    `| server | scenario | conns | ops/s | p50 ms | p99 ms | p99.9 ms | errors | n | peak RSS MB | server CPU | CPU/op | vs limit |${peer ? ` vs ${peer.name} |` : ''}`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|${peer ? '---|' : ''}`,
  )
  const tables = results.reference ? [...targets, results.reference] : targets
  for (const report of tables) {
    for (const row of report.rows) {
      const theirs = report === ours ? findRow(peer, row.scenario, row.connections) : undefined
      const cells = [
        results.reference ? `${report.name} (${report.database})` : report.name,
        row.scenario,
        String(row.connections),
        ...loadCells(row),
        fixed(row.server.peakRssMb, 0),
        fixed(row.server.cpuCores, 2),
        cpuPerOp(row),
        versusLimit(row, limits),
      ]
      if (peer) cells.push(versusPeer(row, theirs))
      lines.push(`| ${cells.join(' | ')} |`)
    }
  }
  if (ours?.storm) {
    lines.push(
      '',
      `Session checks during a sign-in storm (${ours.storm.connections.session} + ${ours.storm.connections.signIn} connections):`,
      '',
      '| server | session/s | p50 ms | p99 ms | p99.9 ms | errors | sign-ins/s | peak RSS MB | server CPU |',
      '|---|---|---|---|---|---|---|---|---|',
    )
  }
  for (const report of targets) {
    if (!report.storm) continue
    const { session, signIn, server } = report.storm
    const l = session.latency
    lines.push(
      `| ${report.name} | ${rate(session.rate)} | ${fixed(l.p50, 2)} | ${fixed(l.p99, 2)} | ${fixed(l.p999, 2)} | ${session.errors + signIn.errors} | ${rate(signIn.rate)} | ${fixed(server.peakRssMb, 0)} | ${fixed(server.cpuCores, 2)} |`,
    )
  }
  if (targets.some((report) => report.overload)) {
    lines.push(
      '',
      'Sign-in overload: sign-ins offered open loop at 4× the capacity measured just before, with session checks beside them (latency of a sign-in counts from when it was due):',
      '',
      '| server | capacity/s | offered/s | seconds | sign-ins sent | served (200) | shed (503) | other answers | served p50 / p99 ms | shed p50 / p99 ms | client send lateness p99 ms | session/s | session p99 ms | session errors | peak RSS MB |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    )
  }
  for (const report of targets) {
    if (!report.overload) continue
    const { capacityPerSecond, signIn, session, server } = report.overload
    const other = Object.entries(signIn.outcomes)
      .filter(([key]) => key !== 'ok' && key !== '503')
      .map(([key, n]) => `${n}× ${key}`)
      .join(', ')
    const served = signIn.latency.ok
    const shed = signIn.latency['503']
    lines.push(
      `| ${report.name} | ${rate(capacityPerSecond)} | ${rate(signIn.offeredPerSecond)} | ${signIn.seconds} | ${signIn.started} | ${signIn.outcomes.ok ?? 0} | ${signIn.outcomes['503'] ?? 0} | ${other || 'none'} | ` +
        `${served ? `${fixed(served.p50, 0)} / ${fixed(served.p99, 0)}` : '—'} | ${shed ? `${fixed(shed.p50, 1)} / ${fixed(shed.p99, 1)}` : '—'} | ${fixed(signIn.sendLateness.p99, 1)} | ${rate(session.rate)} | ${fixed(session.latency.p99, 2)} | ${session.errors} | ${fixed(server.peakRssMb, 0)} |`,
    )
  }
  lines.push('', 'TOTP replay probe (the same code twice within its validity):', '', '| server | first use | same code again |', '|---|---|---|')
  for (const report of targets) {
    lines.push(
      `| ${report.name} ${report.version} | ${report.replay.firstAccepted ? 'accepted' : 'refused'} | ${report.replay.replayAccepted ? '**accepted (replay)**' : 'refused'} |`,
    )
  }
  lines.push('', '| target (DESIGN.md) | this run | met |', '|---|---|---|')
  for (const check of results.checks) lines.push(`| ${check.target} | ${check.measured} | ${check.met === null ? '—' : check.met ? 'yes' : '**no**'} |`)
  return `${lines.join('\n')}\n`
}
