import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

type Json = Record<string, any>

export interface CheckedAnswer {
  operation: string
  status: number
}

/**
 * A fetch that holds every answer against the OpenAPI document: the operation must exist, the status
 * must be one it documents, and a JSON body must validate against that status's schema.
 */
export function createConformanceFetch(document: Json, basePath: string, inner: typeof fetch = globalThis.fetch) {
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema(document, 'openapi.json')
  const templates = Object.keys(document.paths).map((path) => ({ path, pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
  const failures: string[] = []
  const checked: CheckedAnswer[] = []

  const conformanceFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const response = await inner(request)
    const pathname = new URL(request.url).pathname.slice(basePath.length)
    const template = templates.find((candidate) => candidate.pattern.test(pathname))
    const method = request.method.toLowerCase()
    const operation = template ? document.paths[template.path][method] : undefined
    const name = `${request.method} ${template?.path ?? pathname}`
    if (!operation) {
      failures.push(`${name}: no such operation in the document`)
      return response
    }
    const answer = operation.responses[String(response.status)]
    if (!answer) {
      failures.push(`${name}: status ${response.status} is not documented`)
      return response
    }
    checked.push({ operation: name, status: response.status })
    const type = response.headers.get('content-type') ?? ''
    if (!type.includes('application/json')) {
      if (answer.content?.['application/json']) failures.push(`${name} ${response.status}: expected JSON, got "${type}"`)
      return response
    }
    if (!answer.content?.['application/json']) {
      failures.push(`${name} ${response.status}: a JSON body where the document has none`)
      return response
    }
    const pointer = ['paths', template?.path, method, 'responses', String(response.status), 'content', 'application/json', 'schema']
      .map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/')
    const validate = ajv.getSchema(`openapi.json#/${pointer}`)
    const body = await response.clone().json()
    if (!validate) failures.push(`${name} ${response.status}: schema not found`)
    else if (!validate(body)) failures.push(`${name} ${response.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body)}`)
    return response
  }
  return { fetch: conformanceFetch as typeof fetch, failures, checked }
}
