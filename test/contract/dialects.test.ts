import { describe, expect, it } from 'vitest'
import { dialects } from '../support/dialects.js'

// CI sets PORTCULLIS_REQUIRE_POSTGRES=1: a missing PORTCULLIS_TEST_DATABASE_URL must fail the run, not skip half of it.
describe('test dialects', () => {
  it.runIf(process.env.PORTCULLIS_REQUIRE_POSTGRES === '1')('include PostgreSQL when it is required', () => {
    expect(dialects.map((dialect) => dialect.name)).toContain('postgres')
  })

  it('always include SQLite', () => {
    expect(dialects.map((dialect) => dialect.name)).toContain('sqlite')
  })
})
