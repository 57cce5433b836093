import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { loadConfigFromEnv } from './env.js'
import { resolveOptions } from './options.js'

const issues = (env: Record<string, string>) => {
  try {
    resolveOptions(loadConfigFromEnv(env))
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues.map((issue) => issue.path)
  }
  return []
}

describe('OIDC_ENABLED and OIDC_ISSUER', () => {
  it('is off by default, with the issuer at PUBLIC_URL + /oidc', () => {
    expect(resolveOptions(loadConfigFromEnv({}))).toMatchObject({ oidcEnabled: false, oidcIssuer: 'http://localhost:3000/oidc' })
    expect(resolveOptions(loadConfigFromEnv({ OIDC_ENABLED: 'true', PUBLIC_URL: 'https://example.com/auth/' }))).toMatchObject({
      oidcEnabled: true,
      oidcIssuer: 'https://example.com/auth/oidc',
    })
  })

  it('takes an issuer of its own', () => {
    expect(resolveOptions(loadConfigFromEnv({ OIDC_ENABLED: 'yes', OIDC_ISSUER: 'https://id.example.com/sso' })).oidcIssuer).toBe('https://id.example.com/sso')
  })

  it('names each bad value', () => {
    expect(issues({ OIDC_ENABLED: 'maybe' })).toEqual(['OIDC_ENABLED'])
    expect(issues({ OIDC_ISSUER: 'https://id.example.com/' })).toEqual(['OIDC_ISSUER'])
    expect(issues({ OIDC_ISSUER: 'https://id.example.com/sso?x=1' })).toEqual(['OIDC_ISSUER'])
    expect(issues({ OIDC_ISSUER: 'ftp://id.example.com/sso' })).toEqual(['OIDC_ISSUER'])
  })

  it('refuses an issuer path inside the API and, in production, one without https', () => {
    expect(issues({ OIDC_ENABLED: 'true', OIDC_ISSUER: 'http://localhost:3000/api/auth/oidc' })).toEqual(['oidcIssuer'])
    expect(issues({ OIDC_ENABLED: 'true', NODE_ENV: 'production', PORTCULLIS_SECRET: 'x'.repeat(32) })).toEqual(['oidcIssuer'])
    expect(issues({ OIDC_ENABLED: 'true', NODE_ENV: 'production', PORTCULLIS_SECRET: 'x'.repeat(32), PUBLIC_URL: 'https://example.com' })).toEqual([])
  })
})
