import { describe, expect, it } from 'vitest'
import { PortcullisError } from '../errors.js'
import { explain, waitWords } from './messages.js'

describe('explain', () => {
  it('puts each failed password rule next to the password field, in words', () => {
    const error = new PortcullisError('weak_password', 'weak', { details: [{ rule: 'min_length' }, { rule: 'contains_email' }] })
    const errors = explain(error, { password: 'newPassword', minLength: 14 })
    expect(errors?.newPassword).toHaveLength(2)
    expect(errors?.newPassword?.[0]).toContain('at least 14 characters')
    expect(errors?.newPassword?.[1]).toContain('email address')
  })

  it('says when to try again after a lockout, at the top of the form', () => {
    const errors = explain(new PortcullisError('too_many_requests', 'locked', { retryAfterSeconds: 900 }), { credentials: 'password' })
    expect(errors?.form?.[0]).toContain('try again in 15 minutes')
  })

  it('says a shed request changed nothing and when to try again, at the top of the form', () => {
    const errors = explain(new PortcullisError('service_unavailable', 'busy', { retryAfterSeconds: 3 }), { credentials: 'password' })
    expect(errors?.form?.[0]).toContain('Nothing was changed')
    expect(errors?.form?.[0]).toContain('try again in 3 seconds')
  })

  it('tells a wrong code from one of a phone whose clock is off', () => {
    expect(explain(new PortcullisError('invalid_code', 'x'), { code: 'code' })?.code?.[0]).toContain('not right')
    const skewed = new PortcullisError('invalid_code', 'x', { details: [{ reason: 'clock_skew' }] })
    expect(explain(skewed, { code: 'code' })?.code?.[0]).toContain('clock')
  })

  it('maps invalid fields to their own messages and leaves unexpected errors to the error page', () => {
    const invalid = new PortcullisError('invalid_request', 'x', { details: [{ field: 'email', message: 'must be an email address' }] })
    expect(explain(invalid)?.email?.[0]).toContain('email address')
    expect(explain(new Error('boom'))).toBeNull()
    expect(explain(new PortcullisError('internal_error', 'x'))).toBeNull()
  })
})

describe('waitWords', () => {
  it('rounds Retry-After up to whole minutes', () => {
    expect(waitWords(30)).toBe('in 30 seconds')
    expect(waitWords(61)).toBe('in 2 minutes')
    expect(waitWords(60)).toBe('in 1 minute')
    expect(waitWords(3 * 3600)).toBe('in 3 hours')
  })
})
