import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))
const PROJECT = fileURLToPath(new URL('./tsconfig.raw-types.json', import.meta.url))

describe('portcullis/client raw', () => {
  it('refuses a wrong path or body field at compile time (tsc on raw-types.ts)', () => {
    // tsc exits non-zero, with the line, when an @ts-expect-error line compiles cleanly.
    const output = (() => {
      try {
        return execFileSync(process.execPath, [TSC, '-p', PROJECT], { encoding: 'utf8' })
      } catch (error) {
        return String((error as { stdout?: string }).stdout ?? error)
      }
    })()
    expect(output).toBe('')
  }, 60_000)
})
