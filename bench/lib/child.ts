import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** A server under test, in its own process so that its event loop, RSS and CPU are its own. */
export interface ServerProcess {
  name: string
  origin: string
  pid: number
  /** Every process serving: the one, or a cluster's workers (the primary only hands out connections). */
  pids: number[]
  /** Lines the process wrote to stderr, for a useful message when it dies. */
  log(): string
  /** Sends a message and waits for the child's answer of type `reply` (e.g. profiling). */
  ask(message: Record<string, unknown>, reply: string): Promise<void>
  stop(): Promise<void>
}

/** A free loopback port, found by binding port 0 and letting it go. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface SpawnOptions {
  name: string
  /** The script, relative to the repository root; .ts files run through tsx. */
  script: string
  env: Record<string, string>
  /** Waits for the child's `{ type: 'ready' }` message, up to this long. */
  readyTimeoutMs?: number
}

function nodeArgs(script: string): string[] {
  return script.endsWith('.ts') ? ['--import', 'tsx', script] : [script]
}

/** Starts a server script and waits until it says it listens. */
export async function spawnServer({ name, script, env, readyTimeoutMs = 60_000 }: SpawnOptions): Promise<ServerProcess & { message: Record<string, unknown> }> {
  const child = spawn(process.execPath, nodeArgs(script), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000)
  })
  const message = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${readyTimeoutMs} ms\n${stderr}`)), readyTimeoutMs)
    child.on('message', (value: Record<string, unknown>) => {
      if (value?.type === 'ready') {
        clearTimeout(timer)
        resolve(value)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code} before it was ready\n${stderr}`))
    })
  })
  return {
    name,
    origin: String(message.origin),
    pid: child.pid as number,
    pids: [child.pid as number, ...(Array.isArray(message.workers) ? (message.workers as number[]) : [])],
    message,
    log: () => stderr,
    ask: (request, reply) =>
      new Promise<void>((resolve) => {
        const onMessage = (value: Record<string, unknown>) => {
          if (value?.type !== reply) return
          child.off('message', onMessage)
          resolve()
        }
        child.on('message', onMessage)
        child.send(request)
      }),
    stop: () => stopChild(child),
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Runs a script to completion and returns the JSON it printed as its last line of stdout. */
export async function runJsonScript(script: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, nodeArgs(script), { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000)
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  if (code !== 0) throw new Error(`${script} exited with ${code}\n${stderr}`)
  const last = stdout.trim().split('\n').pop() ?? '{}'
  return JSON.parse(last) as Record<string, unknown>
}

const CLOCK_TICKS_PER_SECOND = 100

/** Peak RSS and CPU time of a process while a scenario runs, read from /proc (Linux). */
export interface ProcessUsage {
  peakRssMb: number
  /** CPU time over wall time: 1.0 = one core busy the whole time. */
  cpuCores: number
  /** CPU time (user + system) the process used while watched. */
  cpuSeconds: number
}

function cpuOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are 14th and 15th overall.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return 0
  }
}

function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : 0
  } catch {
    return 0
  }
}

/** CPU and RSS of a process, or summed over several (a cluster's primary and workers). */
export function watchProcess(pids: number | number[]): { stop(): ProcessUsage } {
  const all = Array.isArray(pids) ? pids : [pids]
  const cpuAt = () => all.reduce((sum, pid) => sum + cpuOf(pid), 0)
  const rssMb = () => all.reduce((sum, pid) => sum + rssOf(pid), 0)
  const startedAt = performance.now()
  const cpuStart = cpuAt()
  let peak = rssMb()
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb())
  }, 100)
  return {
    stop() {
      clearInterval(timer)
      peak = Math.max(peak, rssMb())
      const wallSeconds = (performance.now() - startedAt) / 1000
      const cpuSeconds = cpuAt() - cpuStart
      return { peakRssMb: peak, cpuCores: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0, cpuSeconds }
    },
  }
}
