import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// docs/security.md names, for every requirement, the tests that prove it as `file: test name`.
// A renamed or deleted test must not leave the map pointing at nothing.

const ROOT = join(import.meta.dirname, '..', '..')
const MAP = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8')
const REFERENCE = /`((?:src|test)\/[^`:\s]+\.test\.tsx?): ([^`]+)`/g

const references = [...MAP.matchAll(REFERENCE)].map((match) => ({ file: match[1] as string, name: match[2] as string }))

// The title as it stands in a test call: it('…'), it.each(…)('…'), describe('…'), in any quotes.
function hasTest(source: string, name: string): boolean {
  return ["'", '"', '`'].some((quote) =>
    new RegExp(`(?:it|test|describe)(?:\\.[\\w]+(?:\\([^)]*\\))?)?\\(\\s*${quote}${escapeRegExp(name)}${quote}`).test(source),
  )
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

describe('docs/security.md', () => {
  it('names at least one test for most requirements', () => {
    expect(references.length).toBeGreaterThan(80)
  })

  it('names only tests that exist, in the files it names', () => {
    const missing = references.filter(({ file, name }) => {
      const path = join(ROOT, file)
      return !existsSync(path) || !hasTest(readFileSync(path, 'utf8'), name)
    })
    expect(missing).toEqual([])
  })

  it('finds a test by its title and not by other text of the file', () => {
    const source = "// a comment that mentions refuses a code\nit('refuses a code that was already used', async () => {})"
    expect(hasTest(source, 'refuses a code that was already used')).toBe(true)
    expect(hasTest(source, 'refuses a code')).toBe(false)
    expect(hasTest("it.each(VECTORS)('matches at T=$time', () => {})", 'matches at T=$time')).toBe(true)
  })
})
