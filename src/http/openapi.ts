import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi'
import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from '../errors.js'
import { ERROR_CODES, errorDetailSchemas, errorSchema } from './openapi-schemas.js'

/**
 * Who may call an operation: anyone, a signed-in session (also open before the first factor under
 * MFA_POLICY=required: `enrolment`), a session if there is one, or the admin token.
 */
export type Access = 'public' | 'session' | 'enrolment' | 'optional' | 'admin'

/** One success answer of an operation; no schema means an empty body. */
export interface SuccessAnswer {
  status: number
  description: string
  schema?: z.ZodType
  /** The answer is an HTML page (mailed links' landing pages, form posts). */
  html?: boolean
}

/**
 * The documentation of one route, declared in its feature's `openapi.ts` beside `routes.ts`.
 * The route test fails when a route has no entry here or an entry has no route.
 */
export interface ApiOperation {
  method: 'get' | 'post' | 'delete'
  /** The path as Hono spells it, relative to the mount point: `/sessions/:id`. */
  path: string
  operationId: string
  summary: string
  description?: string
  tag: string
  access: Access
  /** A body the route parses; a union when its shape depends on a field (`method`) or on the configuration. */
  body?: z.ZodObject | z.ZodUnion
  query?: z.ZodObject
  /** A sign-in answer: honours `X-Auth-Flow: token` and `X-Trusted-Device`. */
  signIn?: boolean
  success: SuccessAnswer[]
  /** The error codes this operation answers besides those every operation of its kind can give. */
  errors: ErrorCode[]
}

/** The error codes any operation of this kind can answer, beside its own. */
function commonErrors(operation: ApiOperation): ErrorCode[] {
  const codes: ErrorCode[] = ['internal_error', 'service_unavailable']
  if (operation.body || operation.query || operation.path.includes(':')) codes.push('invalid_request')
  if (operation.method !== 'get') codes.push('payload_too_large')
  if (operation.method !== 'get' && operation.access !== 'admin') codes.push('csrf_failed')
  if (operation.access === 'session' || operation.access === 'enrolment') codes.push('unauthorized')
  if (operation.access === 'session') codes.push('mfa_enrollment_required')
  if (operation.access === 'admin') codes.push('forbidden')
  return codes
}

const SECURITY: Record<Access, RouteConfig['security']> = {
  public: [],
  optional: [{}, { cookieSession: [] }, { bearerSession: [] }],
  session: [{ cookieSession: [] }, { bearerSession: [] }],
  enrolment: [{ cookieSession: [] }, { bearerSession: [] }],
  admin: [{ adminToken: [] }],
}

const retryAfter = z.object({ 'Retry-After': z.string().describe('Seconds to wait') })

// One named schema per error code, so an operation lists its codes as references, not copies.
const errorSchemaByCode = Object.fromEntries(
  ERROR_CODES.map((code) => [
    code,
    z
      .object({
        error: z.object({
          code: z.literal(code),
          message: z.string(),
          details: z.array(errorDetailSchemas[code] ?? z.record(z.string(), z.unknown())).optional(),
        }),
      })
      .meta({ id: `Error_${code}` }),
  ]),
) as unknown as Record<ErrorCode, z.ZodType>

function errorAnswers(codes: ErrorCode[]): Record<number, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of new Set(codes)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code])
  const answers: Record<number, ResponseConfig> = {}
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const schemas = list.map((code) => errorSchemaByCode[code])
    answers[status] = {
      description: list.map((code) => `\`${code}\``).join(', '),
      content: { 'application/json': { schema: schemas.length === 1 ? (schemas[0] as z.ZodType) : z.union(schemas) } },
      ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
    }
  }
  return answers
}

function successAnswers(operation: ApiOperation): Record<number, ResponseConfig> {
  const answers: Record<number, ResponseConfig> = {}
  for (const answer of operation.success) {
    if (answer.html) answers[answer.status] = { description: answer.description, content: { 'text/html': { schema: z.string() } } }
    else if (answer.schema) answers[answer.status] = { description: answer.description, content: { 'application/json': { schema: answer.schema } } }
    else answers[answer.status] = { description: answer.description }
  }
  return answers
}

/** The OpenAPI path of a Hono path: `/sessions/:id` → `/sessions/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

function pathParams(honoPath: string): z.ZodObject | undefined {
  const names = [...honoPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] as string)
  return names.length > 0 ? z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) : undefined
}

function toRoute(operation: ApiOperation): RouteConfig {
  const headers: Record<string, z.ZodType> = {}
  if (operation.method !== 'get' && operation.access !== 'admin') {
    headers['X-CSRF-Token'] = z.string().optional().describe('From GET /csrf: needed on cookie-authenticated writes without a matching Origin')
  }
  if (operation.signIn) {
    headers['X-Auth-Flow'] = z.enum(['token']).optional().describe('`token`: no cookie; the session token comes in the body')
    headers['X-Trusted-Device'] = z.string().optional().describe('Token flow: a trusted-device token from an earlier verify')
  }
  const params = pathParams(operation.path)
  return {
    method: operation.method,
    path: openApiPath(operation.path),
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: SECURITY[operation.access],
    request: {
      ...(params ? { params } : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(Object.keys(headers).length > 0 ? { headers: z.object(headers) } : {}),
      ...(operation.body
        ? {
            body: {
              required: true,
              content: { 'application/json': { schema: operation.body }, 'application/x-www-form-urlencoded': { schema: operation.body } },
            },
          }
        : {}),
    },
    responses: { ...successAnswers(operation), ...errorAnswers([...commonErrors(operation), ...operation.errors]) },
  }
}

export interface OpenApiSettings {
  basePath: string
  version: string
}

/** The OpenAPI 3.1 document of the given operations. */
export function createOpenApiDocument(operations: readonly ApiOperation[], settings: OpenApiSettings) {
  const registry = new OpenAPIRegistry()
  registry.registerComponent('securitySchemes', 'cookieSession', {
    type: 'apiKey',
    in: 'cookie',
    name: 'portcullis_session',
    description:
      'The session cookie of a browser sign-in (`__Host-portcullis_session` when the public URL is https). Writes need a same-origin Origin or X-CSRF-Token.',
  })
  registry.registerComponent('securitySchemes', 'bearerSession', {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from a sign-in made with `X-Auth-Flow: token`.',
  })
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'PORTCULLIS_ADMIN_TOKEN; admin routes refuse anything else with 403 forbidden.',
  })
  for (const operation of operations) registry.registerPath(toRoute(operation))
  // The error schema is listed on its own so the document names the one shape every error has.
  const document = new OpenApiGeneratorV31([...registry.definitions, { type: 'schema', schema: errorSchema }]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Portcullis HTTP API',
      version: settings.version,
      description: 'MFA-first authentication. Every error has the shape of the Error schema; every answer carries Cache-Control: no-store. See docs/api.md.',
    },
    servers: [{ url: settings.basePath || '/' }],
  })
  return shareHeaders(document)
}

type Document = ReturnType<OpenApiGeneratorV31['generateDocument']>
type Json = Record<string, unknown>

const SHARED_PARAMETERS: Record<string, string> = { 'X-CSRF-Token': 'CsrfToken', 'X-Auth-Flow': 'AuthFlow', 'X-Trusted-Device': 'TrustedDevice' }

// zod-to-openapi writes a header parameter out in every operation; the shared ones become
// components, so the CSRF header and the token-flow switch are defined once.
function shareHeaders(document: Document): Document {
  const parameters: Json = {}
  const headers: Json = {}
  for (const item of Object.values(document.paths ?? {}) as Json[]) {
    for (const operation of Object.values(item) as Json[]) {
      const list = operation.parameters as Json[] | undefined
      operation.parameters = list?.map((parameter) => {
        const name = SHARED_PARAMETERS[parameter.name as string]
        if (parameter.in !== 'header' || !name) return parameter
        parameters[name] = parameter
        return { $ref: `#/components/parameters/${name}` }
      })
      for (const response of Object.values((operation.responses ?? {}) as Json) as Json[]) {
        const retry = (response.headers as Json | undefined)?.['Retry-After']
        if (!retry) continue
        headers.RetryAfter = retry
        response.headers = { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } }
      }
    }
  }
  document.components = { ...document.components, parameters: parameters as never, headers: headers as never }
  return document
}
