import { z } from 'zod'

/** The compatibility profiles (API.md, "Compatibility profiles") and where each mounts by default. */
export const PROFILE_DEFAULT_MOUNTS = {
  togo: '/api/auth/mfa',
  goauth: '/auth',
  thogits: '/api/auth',
  opengate: '/api',
  'auth-router': '/auth',
} as const

export type ProfileName = keyof typeof PROFILE_DEFAULT_MOUNTS

/** One profile to serve, and where. */
export interface ProfileMount {
  name: ProfileName
  mount: string
}

/** A mount, like the native base path: empty, or segments such as `/api/auth` with no trailing slash. */
export const MOUNT_PATTERN = /^(\/[A-Za-z0-9._~-]+)*$/

const isProfileName = (name: string): name is ProfileName => Object.hasOwn(PROFILE_DEFAULT_MOUNTS, name)
const knownNames = Object.keys(PROFILE_DEFAULT_MOUNTS).join(', ')

/** `name` or `name=/mount/path` (COMPAT's items), or `{ name, mount? }`. */
const entry = z.union([z.string(), z.object({ name: z.string(), mount: z.string().optional() })])

export const compatSchema = z
  .array(entry)
  .default([])
  .transform((entries, ctx): ProfileMount[] => {
    const resolved: ProfileMount[] = []
    for (const [index, item] of entries.entries()) {
      const [rawName, rawMount] = typeof item === 'string' ? splitEntry(item) : [item.name, item.mount]
      const name = rawName.trim()
      if (!isProfileName(name)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `unknown profile "${name}" (known: ${knownNames})` })
        continue
      }
      const mount = rawMount?.trim() ?? PROFILE_DEFAULT_MOUNTS[name]
      if (!MOUNT_PATTERN.test(mount)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `bad mount path "${mount}" for ${name}: use a path like /auth, without a trailing slash` })
        continue
      }
      resolved.push({ name, mount })
    }
    return resolved
  })

function splitEntry(item: string): [string, string | undefined] {
  const at = item.indexOf('=')
  return at === -1 ? [item, undefined] : [item.slice(0, at), item.slice(at + 1)]
}
