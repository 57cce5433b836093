import { readFileSync } from 'node:fs'
import SwaggerParser from '@apidevtools/swagger-parser'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { CLIENT_TYPES_PATH, DOCUMENT_PATH, renderClientTypes, renderDocument } from '../../scripts/openapi.js'
import { createAuth } from '../../src/create-auth.js'

// API.md is the contract; docs/openapi.json is its machine-readable form, built from the routes' zod
// schemas and the operations declared in each feature's openapi.ts.

const auth = createAuth({ databaseUrl: 'sqlite::memory:', logger: pino({ level: 'silent' }), adminToken: 'a'.repeat(32) })
afterAll(() => auth.close())

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

function documentedOperations(document: ReturnType<typeof auth.openapi>): string[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((method) => (item as Record<string, unknown>)[method]).map((method) => `${method.toUpperCase()} ${path}`),
  )
}

describe('OpenAPI document', () => {
  it('documents every route of the API app, and nothing that is not a route', () => {
    const base = auth.options.basePath
    const routes = auth.routes().map((route) => `${route.method} ${route.path.slice(base.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
    expect(routes.length).toBeGreaterThan(40)
    expect([...new Set(routes)].sort()).toEqual(documentedOperations(auth.openapi()).sort())
  })

  it('is a valid OpenAPI 3.1 document', async () => {
    const document = auth.openapi()
    expect(document.openapi).toBe('3.1.0')
    // The validator resolves references in place, so it gets a copy.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy()
  })

  it('names the error shape, every error code and the three security schemes', () => {
    const components = auth.openapi().components ?? {}
    expect(Object.keys(components.securitySchemes ?? {}).sort()).toEqual(['adminToken', 'bearerSession', 'cookieSession'])
    expect(components.schemas?.Error).toBeDefined()
    expect(components.parameters?.CsrfToken).toMatchObject({ name: 'X-CSRF-Token', in: 'header' })
    const login = auth.openapi().paths?.['/login']?.post
    expect(Object.keys(login?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '403', '429']))
  })

  it('is served at {basePath}/openapi.json', async () => {
    const response = await auth.handler(new Request('http://localhost:3000/api/auth/openapi.json'))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(auth.openapi())))
  })

  it('is shown as a self-contained page at {basePath}/docs', async () => {
    const response = await auth.handler(new Request('http://localhost:3000/api/auth/docs'))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
    const page = await response.text()
    expect(page).toContain('<code>/mfa/verify</code>')
    // An operation's description is shown with it, escaped like every text of the page.
    expect(page).toContain('<p>`{method: &quot;totp&quot; | &quot;recovery_code&quot;, code}`')
    expect(page).toContain('id="schema-Error"')
    expect(page).not.toMatch(/<script|<link|src=/i)
  })

  it('has every operation in the human reference, docs/api.md', () => {
    const reference = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8')
    const missing = Object.keys(auth.openapi().paths ?? {})
      .map((path) => path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1'))
      .filter((path) => !reference.includes(`${path}\``) && !reference.includes(`${path}?`))
    expect(missing).toEqual([])
  })

  it('is in step with docs/openapi.json and the client types (run `npm run openapi` after changing a route)', async () => {
    const document = await renderDocument()
    expect(readFileSync(DOCUMENT_PATH, 'utf8')).toBe(document)
    expect(readFileSync(CLIENT_TYPES_PATH, 'utf8')).toBe(await renderClientTypes(document))
  })
})
