import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createLogDestination } from './log-destination.js'

describe('createLogDestination', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-log-'))
  const fds: number[] = []
  afterEach(() => {
    for (const fd of fds.splice(0)) closeSync(fd)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const open = (name: string, flags: string) => {
    const fd = openSync(join(dir, name), flags)
    fds.push(fd)
    return fd
  }

  for (const sync of [true, false]) {
    it(`writes every line, in order, by the time flush resolves (sync: ${sync})`, async () => {
      const fd = open(`lines-${sync}.log`, 'w')
      const destination = createLogDestination({ fd, sync })
      for (let i = 0; i < 1000; i++) destination.write(`line ${i}\n`)
      await destination.flush(5000)
      const lines = readFileSync(join(dir, `lines-${sync}.log`), 'utf8')
        .trim()
        .split('\n')
      expect(lines).toHaveLength(1000)
      expect(lines[999]).toBe('line 999')
    })

    it(`turns itself off on a write error instead of throwing or hanging (sync: ${sync})`, async () => {
      writeFileSync(join(dir, `readonly-${sync}.log`), '')
      const destination = createLogDestination({ fd: open(`readonly-${sync}.log`, 'r'), sync })
      expect(() => destination.write('lost\n')).not.toThrow()
      const started = performance.now()
      await destination.flush(5000)
      expect(performance.now() - started).toBeLessThan(1000)
      expect(() => destination.write('also lost\n')).not.toThrow()
    })
  }
})
