import { readFileSync } from 'node:fs'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from './env.js'
import { type ApiOperation, createOpenApiDocument } from './openapi.js'
import { PAGE_HEADERS } from './pages.js'
import { referencePage } from './reference-page.js'

export const openApiOperation: ApiOperation = {
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI 3.1 document',
  tag: 'meta',
  access: 'public',
  success: [{ status: 200, description: 'The document', schema: z.looseObject({ openapi: z.string() }) }],
  errors: [],
}

export const referencePageOperation: ApiOperation = {
  method: 'get',
  path: '/docs',
  operationId: 'getApiReference',
  summary: 'This reference as a page for people (self-contained: no script, nothing from another site)',
  tag: 'meta',
  access: 'public',
  success: [{ status: 200, description: 'An HTML page', html: true }],
  errors: [],
}

/** The version in package.json, which sits two levels up from both src/http/ and dist/http/. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

/** The API's OpenAPI document, built from every feature's operations. */
export function buildOpenApiDocument(operations: readonly ApiOperation[], basePath: string) {
  return createOpenApiDocument(operations, { basePath, version: packageVersion() })
}

/** Serves GET /openapi.json and GET /docs, built once on first request. */
export function openApiRoutes(operations: readonly ApiOperation[], basePath: string) {
  const app = new Hono<AppEnv>()
  let document: ReturnType<typeof buildOpenApiDocument> | undefined
  app.get('/openapi.json', (c) => {
    document ??= buildOpenApiDocument(operations, basePath)
    return c.json(document)
  })
  app.get('/docs', (c) => {
    document ??= buildOpenApiDocument(operations, basePath)
    return c.html(referencePage(document), 200, PAGE_HEADERS)
  })
  return app
}
