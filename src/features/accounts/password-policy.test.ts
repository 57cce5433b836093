import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dialects } from '../../../test/support/dialects.js'
import { createTestAuth, type TestAuth } from '../../../test/support/test-auth.js'
import { checkPassword, describePolicy, normalizePassword } from './password-policy.js'

const POLICY = { passwordMinLength: 12, passwordMaxLength: 128, passwordMinScore: 0 }
const STRICT = { ...POLICY, passwordMinScore: 3 }
const EMAIL = 'alice.smith@example.com'

const check = (password: string, options = POLICY) => checkPassword(options, password, { email: EMAIL })

describe('checkPassword', () => {
  it('accepts a long passphrase', () => {
    expect(check('correct horse battery staple')).toEqual([])
  })

  describe('min_length', () => {
    it('counts code points, so 12 emoji are long enough and 11 are not', () => {
      expect('😀'.repeat(11).length).toBe(22)
      expect(check('😀'.repeat(11))).toContain('min_length')
      expect(check('😀'.repeat(12))).not.toContain('min_length')
    })

    it('counts after NFKC, so a letter and its combining accent count once', () => {
      const composed = 'e\u0301'.repeat(11)
      expect([...composed].length).toBe(22)
      expect(check(composed)).toContain('min_length')
      expect(check('e\u0301'.repeat(12))).not.toContain('min_length')
    })

    it('refuses 11 characters and accepts 12 at the default', () => {
      expect(check('Zq8#Lw2!Rt5u'.slice(0, 11))).toEqual(['min_length'])
      expect(check('Zq8#Lw2!Rt5u')).toEqual([])
    })

    it('follows the configured minimum', () => {
      expect(checkPassword({ ...POLICY, passwordMinLength: 16 }, 'Zq8#Lw2!Rt5uYp3')).toEqual(['min_length'])
    })
  })

  describe('max_length', () => {
    it('accepts 128 code points and refuses 129', () => {
      const unit = 'Zq8#Lw2!Rt5u😀ß'
      const exactly = (count: number) => Array.from({ length: count }, (_, i) => [...unit][i % [...unit].length]).join('')
      expect(check(exactly(128))).toEqual([])
      expect(check(exactly(129))).toEqual(['max_length'])
    })

    it('counts emoji once, so 128 of them (256 UTF-16 units) still fit', () => {
      expect(check('😀'.repeat(128)).includes('max_length')).toBe(false)
      expect(check('😀'.repeat(129))).toContain('max_length')
    })
  })

  describe('common_password', () => {
    it('refuses a password from the blocklist, in any case', () => {
      expect(check('qwerty123456')).toEqual(['common_password'])
      expect(check('QWERTY123456')).toEqual(['common_password'])
      expect(check('leavemealone')).toEqual(['common_password'])
    })

    it('compares after NFKC, so full-width letters do not get around it', () => {
      const fullWidth = 'ｑｗｅｒｔｙ１２３４５６'
      expect(normalizePassword(fullWidth)).toBe('qwerty123456')
      expect(check(fullWidth)).toEqual(['common_password'])
    })

    it('lets a blocklisted word inside a longer passphrase pass', () => {
      expect(check('qwerty123456 and then some more words')).toEqual([])
    })
  })

  describe('contains_email', () => {
    it('refuses the email local part, in any case', () => {
      expect(check('my name is ALICE.SMITH ok')).toEqual(['contains_email'])
    })

    it('refuses the whole email address', () => {
      expect(check(`x${EMAIL.toUpperCase()}x`)).toContain('contains_email')
    })

    it('ignores a local part shorter than three characters', () => {
      expect(checkPassword(POLICY, 'al is a fine person indeed', { email: 'al@example.com' })).toEqual([])
      expect(checkPassword(POLICY, 'bob is a fine person indeed', { email: 'bob@example.com' })).toEqual(['contains_email'])
    })

    it('does nothing without an email', () => {
      expect(checkPassword(POLICY, 'alice.smith and friends')).toEqual([])
    })
  })

  describe('too_guessable', () => {
    it('is off by default', () => {
      expect(check('aaaaaaaaaaaaaaaa')).toEqual([])
    })

    it('refuses a password under the minimum zxcvbn score', () => {
      expect(check('aaaaaaaaaaaaaaaa', STRICT)).toEqual(['too_guessable'])
      expect(check('abcdefghijklmnop', STRICT)).toEqual(['too_guessable'])
    })

    it('accepts a password at or above the minimum score', () => {
      expect(check('V8#kq!2Lz@9wPm&4', STRICT)).toEqual([])
      expect(check('correct horse battery staple', STRICT)).toEqual([])
    })

    it('counts the user name against the password', () => {
      const withName = checkPassword(STRICT, 'Bartholomew1987!', { email: 'x@example.com', name: 'Bartholomew' })
      expect(withName).toEqual(['too_guessable'])
    })

    it('is not checked for an over-long password, which already fails', () => {
      expect(check('a'.repeat(129), STRICT)).toEqual(['max_length'])
    })
  })

  it('lists every failed rule at once', () => {
    expect(check('alice.smith', STRICT)).toEqual(['min_length', 'contains_email', 'too_guessable'])
  })

  it('passes the length rules for any 12 to 128 NFKC-stable code points', () => {
    // ASCII letters and digits, CJK ideographs and emoji: NFKC leaves each unchanged and none combine.
    const stable = fc.oneof(
      fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
      fc.integer({ min: 0x4e00, max: 0x9fff }).map((point) => String.fromCodePoint(point)),
      fc.integer({ min: 0x1f600, max: 0x1f64f }).map((point) => String.fromCodePoint(point)),
    )
    fc.assert(
      fc.property(fc.array(stable, { minLength: 12, maxLength: 128 }), (points) => {
        const password = points.join('')
        const failed = check(password)
        expect(failed).not.toContain('min_length')
        expect(failed).not.toContain('max_length')
      }),
      { numRuns: 200 },
    )
  })

  it('never lists a rule twice, for any password and email', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.emailAddress(), (password, email) => {
        const failed = checkPassword(STRICT, password, { email, name: email.split('@')[0] })
        expect(new Set(failed).size).toBe(failed.length)
      }),
      { numRuns: 100 },
    )
  })
})

describe('describePolicy', () => {
  it('reports the configured limits', () => {
    expect(describePolicy(STRICT)).toEqual({ minLength: 12, maxLength: 128, minScore: 3, blocksCommonPasswords: true, blocksEmail: true })
  })
})

describe.each(dialects)('$name: password rules at sign-up and sign-in', (dialect) => {
  let t: TestAuth
  beforeEach(async () => {
    t = await createTestAuth(dialect)
  })
  afterEach(async () => {
    await t.close()
  })

  it('never truncates: the 127-code-point prefix of a 128-code-point password does not sign in', async () => {
    const password = Array.from({ length: 128 }, (_, i) => String.fromCodePoint(0x1f600 + (i % 64))).join('')
    expect(Buffer.byteLength(password)).toBe(512)
    const { email } = await t.signUp('long@example.com', password)
    const prefix = [...password].slice(0, 127).join('')
    const refused = await t.signIn(email, prefix)
    expect(refused.status).toBe(401)
    expect(refused.body.error.code).toBe('invalid_credentials')
    expect((await t.signIn(email, password)).status).toBe(200)
  })

  it('signs in with the NFKC-equivalent spelling of the password', async () => {
    const { email } = await t.signUp('accent@example.com', 'cafe\u0301 au lait, s\u0027il vous pla\u00eet')
    expect((await t.signIn(email, 'caf\u00e9 au lait, s\u0027il vous pla\u00eet')).status).toBe(200)
  })

  it('refuses a password over the maximum with weak_password and writes no user', async () => {
    const response = await t.request('POST', '/signup', { body: { email: 'toolong@example.com', password: 'Zq8#Lw2!'.repeat(17) } })
    expect(response.status).toBe(422)
    expect(response.body.error.code).toBe('weak_password')
    expect(response.body.error.details).toEqual([{ rule: 'max_length' }])
    expect(await t.auth.api.accounts.findByEmail('toolong@example.com')).toBeUndefined()
  })

  it('refuses too_guessable when a minimum score is configured', async () => {
    const strict = await createTestAuth(dialect, { passwordMinScore: 3 })
    try {
      const response = await strict.request('POST', '/signup', { body: { email: 'guess@example.com', password: 'abcdefghijklmnop' } })
      expect(response.status).toBe(422)
      expect(response.body.error.details).toEqual([{ rule: 'too_guessable' }])
      expect((await strict.request('GET', '/password/policy')).body.minScore).toBe(3)
    } finally {
      await strict.close()
    }
  })
})
