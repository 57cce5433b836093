import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// The boundaries of CONVENTIONS.md ("Layout: the folder tree is the architecture"), read from the
// import specifiers of every source file; type-only imports count like any other.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SRC = join(ROOT, 'src')

interface SourceFile {
  /** Path from the repository root, with forward slashes: `src/features/totp/service.ts`. */
  path: string
  text: string
  imports: string[]
  isTest: boolean
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full)
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : []
  })
}

function load(dir: string): SourceFile[] {
  return walk(dir).map((full) => {
    const text = readFileSync(full, 'utf8')
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName)
    const path = relative(ROOT, full).split('\\').join('/')
    return { path, text, imports, isTest: /\.test\.tsx?$/.test(path) }
  })
}

const sources = load(SRC)
const production = sources.filter((file) => !file.isTest)
const everything = [...sources, ...load(join(ROOT, 'test'))]

/** The repository path a relative specifier points at, with `.js` read as the `.ts`/`.tsx` source. */
function target(from: SourceFile, specifier: string): string {
  return relative(ROOT, resolve(ROOT, dirname(from.path), specifier))
    .split('\\')
    .join('/')
}

const relativeImports = (file: SourceFile) => file.imports.filter((specifier) => specifier.startsWith('.'))
const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string))

function violations(files: SourceFile[], check: (file: SourceFile, specifier: string) => boolean): string[] {
  return files.flatMap((file) => file.imports.filter((specifier) => check(file, specifier)).map((specifier) => `${file.path} imports '${specifier}'`))
}

describe('architecture', () => {
  it('finds the source files and their imports', () => {
    expect(production.length).toBeGreaterThan(30)
    const app = sources.find((file) => file.path === 'src/http/app.ts')
    expect(app?.imports).toContain('hono')
    expect(production.some((file) => file.imports.some((specifier) => specifier === 'kysely'))).toBe(true)
  })

  it('lets a feature reach another feature only through its index.ts', () => {
    const found = violations(production, (file, specifier) => {
      const own = /^src\/features\/([^/]+)\//.exec(file.path)?.[1]
      if (!own || !specifier.startsWith('.')) return false
      const other = /^src\/features\/([^/]+)\/(.+)$/.exec(target(file, specifier))
      return other !== null && other[1] !== own && other[2] !== 'index.js'
    })
    expect(found).toEqual([])
  })

  it('keeps kysely inside src/store/ and the features’ store.ts', () => {
    const mayUseKysely = (path: string) => path.startsWith('src/store/') || /^src\/(features\/[^/]+|oidc)\/store\.ts$/.test(path)
    expect(violations(production, (file, specifier) => packageOf(specifier) === 'kysely' && !mayUseKysely(file.path))).toEqual([])
  })

  it('lets only store/sqlite.ts know better-sqlite3 and only store/postgres.ts (and its change listener) know pg', () => {
    const drivers: Record<string, string[]> = { 'better-sqlite3': ['src/store/sqlite.ts'], pg: ['src/store/postgres.ts', 'src/store/change-feed.ts'] }
    expect(violations(production, (file, specifier) => packageOf(specifier) in drivers && !drivers[packageOf(specifier)]?.includes(file.path))).toEqual([])
  })

  it('keeps services free of hono', () => {
    const services = production.filter((file) => /\/service\.ts$/.test(file.path))
    expect(services.length).toBeGreaterThan(5)
    expect(violations(services, (_, specifier) => packageOf(specifier) === 'hono' || packageOf(specifier) === '@hono/node-server')).toEqual([])
  })

  it('keeps SQL text out of services', () => {
    const SQL =
      /\bselect\b[\s\S]+\bfrom\b|\binsert\s+into\b|\bupdate\s+\w+\s+set\b|\bdelete\s+from\b|\b(create|alter|drop)\s+(table|index)\b|\bwhere\s+\w+\s*(=|is\b|in\b|<|>)/i
    const found: string[] = []
    for (const file of production.filter((candidate) => /\/service\.ts$/.test(candidate.path))) {
      const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true)
      const visit = (node: ts.Node): void => {
        if (
          ts.isStringLiteral(node) ||
          ts.isNoSubstitutionTemplateLiteral(node) ||
          ts.isTemplateHead(node) ||
          ts.isTemplateMiddle(node) ||
          ts.isTemplateTail(node)
        ) {
          if (SQL.test(node.text)) found.push(`${file.path}: ${node.text.slice(0, 80)}`)
        }
        if (ts.isTaggedTemplateExpression(node) && node.tag.getText(source) === 'sql') found.push(`${file.path}: sql\`…\``)
        ts.forEachChild(node, visit)
      }
      visit(source)
    }
    expect(found).toEqual([])
  })

  it('keeps the UI on the services, away from any store', () => {
    const ui = production.filter((file) => file.path.startsWith('src/ui/'))
    const found = violations(ui, (file, specifier) => {
      if (!specifier.startsWith('.')) return packageOf(specifier) === 'kysely'
      const path = target(file, specifier)
      return path.startsWith('src/store/') || /^src\/features\/[^/]+\/store\.js$/.test(path)
    })
    expect(found).toEqual([])
  })

  it('ends every relative import with .js', () => {
    const found = everything.flatMap((file) =>
      relativeImports(file)
        .filter((specifier) => !/\.js$|\.json$/.test(specifier))
        .map((specifier) => `${file.path} imports '${specifier}'`),
    )
    expect(found).toEqual([])
  })

  it('imports node built-ins with the node: prefix', () => {
    const builtins = new Set(builtinModules.filter((name) => !name.startsWith('_')))
    const found = violations(everything, (_, specifier) => builtins.has(specifier) || builtins.has(specifier.split('/')[0] as string))
    expect(found).toEqual([])
  })

  it('keeps each feature’s index.ts a short public face', () => {
    const long = production.filter((file) => /^src\/features\/[^/]+\/index\.ts$/.test(file.path) && file.text.split('\n').length > 30).map((file) => file.path)
    expect(long).toEqual([])
  })

  it('keeps portcullis/client browser-safe: fetch, openapi-fetch and @simplewebauthn/browser, no Node built-ins or server code', () => {
    const client = production.filter((file) => file.path.startsWith('src/client/'))
    expect(client.length).toBeGreaterThan(1)
    const allowed = new Set(['openapi-fetch', '@simplewebauthn/browser'])
    const found = violations(client, (file, specifier) =>
      specifier.startsWith('.') ? !target(file, specifier).startsWith('src/client/') : !allowed.has(packageOf(specifier)),
    )
    expect(found).toEqual([])
  })
})
