import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfigFromEnv } from './env.js'
import { resolveOptions } from './options.js'

describe('COMPAT and API_BASE_PATH', () => {
  it('reads names and name=/mount items, with the default mount for a bare name', () => {
    const options = resolveOptions(loadConfigFromEnv({ COMPAT: 'togo, thogits=/api/auth', API_BASE_PATH: '/api/portcullis' }))
    expect(options.basePath).toBe('/api/portcullis')
    expect(options.compat).toEqual([
      { name: 'togo', mount: '/api/auth/mfa' },
      { name: 'thogits', mount: '/api/auth' },
    ])
  })

  it('defaults to no profile and the native API at /api/auth', () => {
    const options = resolveOptions(loadConfigFromEnv({}))
    expect(options.compat).toEqual([])
    expect(options.basePath).toBe('/api/auth')
  })

  it('names an unknown profile, a bad mount and a bad API_BASE_PATH in one error', () => {
    let error: unknown
    try {
      loadConfigFromEnv({ COMPAT: 'togo,okta,goauth=/auth/', API_BASE_PATH: 'api' })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    const issues = (error as ConfigError).issues
    expect(issues.map((issue) => issue.path).sort()).toEqual(['API_BASE_PATH', 'COMPAT'])
    const compat = issues.find((issue) => issue.path === 'COMPAT')?.message
    expect(compat).toContain('unknown profile "okta"')
    expect(compat).toContain('bad mount path "/auth/" for goauth')
  })
})
