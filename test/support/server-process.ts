import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')

export interface Spawned {
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
  /** The directory of the SQLite file, made for this process unless DATABASE_URL was given. */
  dir: string
}

export interface ServerProcess extends Spawned {
  url: string
  /** Kills the process (SIGKILL) and removes its directory. */
  stop(): Promise<void>
}

/** Runs `portcullis <args>` from the sources with tsx, on a new SQLite file unless `env.DATABASE_URL` names one. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-server-'))
  // Tests sign many people up from one loopback address; SIGNUP_RATE_LIMIT's own tests set it lower.
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(dir, 'auth.db')}`,
    PORT: '0',
    LOG_LEVEL: 'info',
    SIGNUP_RATE_LIMIT: '10000/1h',
    ...env,
  }
  for (const name of ['PORTCULLIS_SECRET', 'MFA_CHALLENGE_SECRET', 'NODE_ENV', 'TRUST_PROXY', 'HOST']) if (!(name in env)) delete childEnv[name]
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  child.stdout?.on('data', (chunk) => {
    text += chunk
  })
  child.stderr?.on('data', (chunk) => {
    text += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => text, exited, dir }
}

/** Starts `portcullis serve` and waits for its "listening" log line (PORT=0 picks a free port), then for /healthz. */
export async function startServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const spawned = spawnCli(['serve'], env)
  let exitCode: number | null | undefined
  void spawned.exited.then((code) => {
    exitCode = code
  })
  const deadline = Date.now() + 45_000
  let url: string | undefined
  while (Date.now() < deadline && exitCode === undefined) {
    url ??= /"url":"(http:\/\/[^"]+)"/.exec(spawned.output())?.[1]
    if (url) {
      const healthy = await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
      if (healthy) break
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (!url || exitCode !== undefined) throw new Error(`server did not start (exit ${exitCode}):\n${spawned.output()}`)
  return {
    ...spawned,
    url,
    async stop() {
      if (spawned.child.exitCode === null) spawned.child.kill('SIGKILL')
      await spawned.exited
      rmSync(spawned.dir, { recursive: true, force: true })
    },
  }
}
