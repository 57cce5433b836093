import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// What a user gets from the registry: `npm pack` (which builds), then the tarball installed into
// an empty folder. Dependencies come from the npm cache, or the registry when missing.
// better-sqlite3 compiles its native binding in an install script (prebuilt binaries come from
// GitHub, which CI may not reach), so the install skips scripts and reuses this checkout's binding
// (same version, same Node) unless PORTCULLIS_PACK_FULL_INSTALL=1 asks for the full install.

const ROOT = join(import.meta.dirname, '../..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const full = process.env.PORTCULLIS_PACK_FULL_INSTALL === '1'

let work: string
let app: string
const children: ChildProcess[] = []

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'portcullis-pack-'))
  app = join(work, 'app')
  mkdirSync(app)
  run(NPM, ['pack', '--silent', '--pack-destination', work], ROOT)
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))
  if (!tarball) throw new Error('npm pack made no tarball')
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', private: true, type: 'module' }))
  run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...(full ? [] : ['--ignore-scripts']), join(work, tarball)], app)
  if (!full) {
    const binding = join('node_modules', 'better-sqlite3', 'build', 'Release')
    mkdirSync(join(app, binding), { recursive: true })
    copyFileSync(join(ROOT, binding, 'better_sqlite3.node'), join(app, binding, 'better_sqlite3.node'))
  }
}, 300_000)

afterAll(() => {
  // npx runs the server as a child of its own: the whole process group goes, or the server outlives the test.
  for (const child of children) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the packed package, installed into an empty folder', () => {
  it('imports every entry point', () => {
    const script = `
      const entries = ['portcullis', 'portcullis/client', 'portcullis/node', 'portcullis/hono', 'portcullis/testing']
      const modules = await Promise.all(entries.map((entry) => import(entry)))
      console.log(JSON.stringify(Object.fromEntries(entries.map((entry, i) => [entry, Object.keys(modules[i]).sort()]))))`
    const exported = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], app))
    expect(exported.portcullis).toContain('createAuth')
    expect(exported['portcullis/client']).toEqual(['AuthClientError', 'createAuthClient'])
    expect(exported['portcullis/node']).toEqual(expect.arrayContaining(['requireAuth', 'toNodeHandler']))
    expect(exported['portcullis/hono']).toEqual(expect.arrayContaining(['requireAuth', 'toHonoHandler']))
    expect(exported['portcullis/testing']).toContain('createFixedClock')
  })

  it('ships the types of every entry point (tsc in the folder; a wrong path in raw must fail)', () => {
    writeFileSync(
      join(app, 'check.ts'),
      `import { createAuth } from 'portcullis'
import { createAuthClient } from 'portcullis/client'
import { requireAuth } from 'portcullis/hono'
import { toNodeHandler } from 'portcullis/node'
import { createFixedClock } from 'portcullis/testing'
const auth = createAuth({ databaseUrl: 'sqlite::memory:', clock: createFixedClock() })
export const guards = [requireAuth(auth, { aal: 2 }), toNodeHandler(auth)]
const client = createAuthClient({ baseUrl: 'http://localhost:3000/api/auth' })
export const call = client.raw.POST('/login', { body: { email: 'a@example.com', password: 'x' } })
// @ts-expect-error: no such path
export const wrong = client.raw.POST('/signin', { body: {} })
`,
    )
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--lib',
      'es2023,dom',
      '--skipLibCheck',
      'check.ts',
    ]
    let output = ''
    try {
      output = run(process.execPath, [tsc, ...args], app)
    } catch (error) {
      output = String((error as { stdout?: string }).stdout)
    }
    expect(output).toBe('')
  }, 60_000)

  it('runs `npx portcullis --help` and `npx portcullis serve`', async () => {
    expect(run('npx', ['--no-install', 'portcullis', '--help'], app)).toContain('Usage: portcullis <command>')
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATABASE_URL: `sqlite:${join(work, 'serve.db')}`, LOG_LEVEL: 'info' }
    delete env.PORTCULLIS_SECRET
    const child = spawn('npx', ['--no-install', 'portcullis', 'serve'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    children.push(child)
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += chunk
    })
    child.stderr?.on('data', (chunk) => {
      output += chunk
    })
    let url: string | undefined
    for (let tries = 0; tries < 300 && !url; tries++) {
      url = /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1]
      if (!url) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(url, output).toBeDefined()
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const document = (await (await fetch(`${url}/api/auth/openapi.json`)).json()) as { openapi: string; info: { version: string } }
    expect(document.openapi).toBe('3.1.0')
    expect(document.info.version).toBe('0.1.0')
    const signUp = await fetch(`${url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-flow': 'token' },
      body: JSON.stringify({ email: 'packed@example.com', password: 'correct horse battery staple' }),
    })
    expect(signUp.status).toBe(201)
  }, 60_000)
})
