import { existsSync } from 'node:fs'
import { describe, it } from 'vitest'
import { CHROMIUM } from './harness.js'

/**
 * A browser suite: runs when Debian's Chromium is installed; otherwise it is skipped with the
 * reason printed — and fails instead when CI is set, so a CI run can never pass without it.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, { timeout: 30_000 }, body)
    return
  }
  const reason = `${CHROMIUM} is missing (apt-get install -y chromium)`
  if (process.env.CI) {
    describe(name, () => {
      it('needs Chromium in CI', () => {
        throw new Error(`browser tests cannot run: ${reason}`)
      })
    })
    return
  }
  console.warn(`skipping browser tests "${name}": ${reason}`)
  describe.skip(name, body)
}
