import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

// biome-ignore lint/suspicious/noExplicitAny: a generated OpenAPI document, walked loosely to print it
type Json = Record<string, any>

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

const pretty = (value: unknown) => JSON.stringify(value, null, 2)

function schemaOf(content: Json | undefined): unknown {
  return content?.['application/json']?.schema ?? content?.['text/html']?.schema
}

function operationBlock(path: string, method: string, operation: Json): HtmlEscapedString | Promise<HtmlEscapedString> {
  const security = (operation.security as Json[] | undefined)?.map((entry) => Object.keys(entry).join(' + ') || 'none').join(' or ') || 'none'
  const parameters = (operation.parameters as Json[] | undefined) ?? []
  const body = schemaOf(operation.requestBody?.content)
  const responses = Object.entries((operation.responses ?? {}) as Json)
  return html`<details id="${operation.operationId}"><summary><code class="m ${method}">${method.toUpperCase()}</code> <code>${path}</code> ${operation.summary}</summary>
${operation.description ? html`<p>${operation.description}</p>` : ''}
<p>Authentication: ${security}</p>
${parameters.length > 0 ? html`<p>Parameters: ${parameters.map((parameter) => html`<code>${parameter.$ref ? parameter.$ref.split('/').pop() : `${parameter.in} ${parameter.name}`}</code> `)}</p>` : ''}
${body ? html`<h4>Body</h4><pre>${pretty(body)}</pre>` : ''}
<h4>Answers</h4><dl>${responses.map(([status, answer]) => html`<dt>${status}</dt><dd>${answer.description}${schemaOf(answer.content) ? html`<pre>${pretty(schemaOf(answer.content))}</pre>` : ''}</dd>`)}</dl>
</details>`
}

/** The API reference as one self-contained page (no script, nothing from another site): a section per tag, an expandable entry per operation. */
export function referencePage(document: Json): HtmlEscapedString | Promise<HtmlEscapedString> {
  const byTag = new Map<string, Array<[string, string, Json]>>()
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined
      if (!operation) continue
      const tag = (operation.tags as string[] | undefined)?.[0] ?? 'other'
      byTag.set(tag, [...(byTag.get(tag) ?? []), [path, method, operation]])
    }
  }
  const schemas = Object.entries((document.components?.schemas ?? {}) as Json)
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${document.info.title}</title>
<style>${raw(STYLE)}</style></head><body>
<h1>${document.info.title} <small>${document.info.version}</small></h1>
<p>${document.info.description} Paths are relative to <code>${document.servers?.[0]?.url ?? '/'}</code>; the machine-readable document is <a href="openapi.json">openapi.json</a>.</p>
${[...byTag].map(([tag, operations]) => html`<h2>${tag}</h2>${operations.map(([path, method, operation]) => operationBlock(path, method, operation))}`)}
<h2>Schemas</h2>${schemas.map(([name, schema]) => html`<details id="schema-${name}"><summary><code>${name}</code></summary><pre>${pretty(schema)}</pre></details>`)}
</body></html>`
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color-scheme:light dark}
details{border:1px solid #8884;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}summary{cursor:pointer}
pre{background:#8881;padding:.6rem;overflow:auto;font-size:.85rem}code.m{font-weight:bold;display:inline-block;min-width:4.5rem}
.get{color:#15803d}.post{color:#1d4ed8}.delete{color:#b91c1c}dt{font-weight:bold}small{font-weight:normal;color:#888}`
