import { Hono } from 'hono'
import type { ProfileMount, ProfileName } from '../config/compat.js'
import { ConfigError } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { authRouter } from './auth-router.js'
import { goauth } from './goauth.js'
import { opengate } from './opengate.js'
import type { CompatServices, Profile } from './profile.js'
import { thogits } from './thogits.js'
import { togo } from './togo.js'

export type { CompatServices } from './profile.js'

const PROFILES: Record<ProfileName, Profile> = { togo, goauth, thogits, opengate, 'auth-router': authRouter }

interface Claim {
  method: string
  path: string
  /** Who claims it, as an operator would name it in COMPAT or API_BASE_PATH. */
  owner: string
  /** 0 for the native API, else the profile's place in the selection plus one. */
  source: number
}

/**
 * Registers the selected profiles' routes on the API app, beside the native routes it already has.
 * @throws ConfigError naming both sides of every method and path claimed twice.
 */
export function mountProfiles(api: Hono<AppEnv>, selection: ProfileMount[], services: CompatServices): void {
  const basePath = services.kit.options.basePath
  const claims: Claim[] = api.routes
    // Middleware (`use`) is registered as ALL; it claims no path.
    .filter((entry) => entry.method !== 'ALL')
    .map((entry) => ({ method: entry.method, path: entry.path, owner: `the native API (API_BASE_PATH=${basePath || '""'})`, source: 0 }))
  const nativeClaims = [...claims]
  const apps: Array<{ mount: string; app: Hono<AppEnv> }> = []
  for (const [index, { name, mount }] of selection.entries()) {
    const app = new Hono<AppEnv>()
    for (const entry of PROFILES[name].routes(services, mount)) {
      const path = joinPath(mount, entry.path)
      // API.md (togo): a path that is also the same native route at the same place is the native route's.
      if (
        entry.sameAs &&
        nativeClaims.some((claim) => claim.method === entry.method && claim.path === joinPath(basePath, entry.sameAs as string) && claim.path === path)
      ) {
        continue
      }
      claims.push({ method: entry.method, path, owner: `${name} (mounted at ${mount || '""'})`, source: index + 1 })
      app.on(entry.method, entry.path, entry.handler)
    }
    apps.push({ mount, app })
  }
  const clashes = findClashes(claims)
  if (clashes.length > 0) {
    throw new ConfigError(
      clashes.map(([a, b]) => ({
        path: 'compat',
        message: `${a.method} ${a.path} is claimed by ${a.owner} and by ${b.owner}; give one of them another mount (COMPAT=name=/path or API_BASE_PATH)`,
      })),
    )
  }
  for (const { mount, app } of apps) api.route(mount || '/', app)
}

export function joinPath(mount: string, path: string): string {
  return `${mount}${path}` || '/'
}

function findClashes(claims: Claim[]): Array<[Claim, Claim]> {
  const clashes: Array<[Claim, Claim]> = []
  for (const [i, a] of claims.entries()) {
    for (const b of claims.slice(i + 1)) {
      if (a.source !== b.source && a.method === b.method && samePath(a.path, b.path)) clashes.push([a, b])
    }
  }
  return clashes
}

/** Two route patterns match one request path: same segments, where a `:param` matches any one segment. */
function samePath(a: string, b: string): boolean {
  const left = a.split('/')
  const right = b.split('/')
  return left.length === right.length && left.every((segment, index) => segment === right[index] || segment.startsWith(':') || right[index]?.startsWith(':'))
}
