import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core'
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common'
import { PortcullisError } from '../../errors.js'

/** The rules of NIST SP 800-63B-4 §3.1.1.2: length, a blocklist, context words; no composition rules. */
export type PasswordRule = 'min_length' | 'max_length' | 'common_password' | 'contains_email' | 'too_guessable'

export interface PasswordPolicyOptions {
  passwordMinLength: number
  passwordMaxLength: number
  passwordMinScore: number
}

export interface PasswordPolicy {
  minLength: number
  maxLength: number
  minScore: number
  blocksCommonPasswords: true
  blocksEmail: true
}

const commonPasswords = new Set(dictionary.passwords)
let zxcvbnReady = false

/** NFKC, as 800-63B asks, so the same password typed on two keyboards hashes alike. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC')
}

/** Lists every rule a password breaks; an empty list means it is acceptable. */
export function checkPassword(options: PasswordPolicyOptions, password: string, context: { email?: string; name?: string | null } = {}): PasswordRule[] {
  const normalized = normalizePassword(password)
  const lowered = normalized.toLowerCase()
  const length = [...normalized].length
  const failed: PasswordRule[] = []
  if (length < options.passwordMinLength) failed.push('min_length')
  if (length > options.passwordMaxLength) failed.push('max_length')
  if (commonPasswords.has(lowered)) failed.push('common_password')
  const email = context.email?.trim().toLowerCase()
  const localPart = email?.split('@')[0] ?? ''
  if (email && (lowered.includes(email) || (localPart.length >= 3 && lowered.includes(localPart)))) failed.push('contains_email')
  if (
    options.passwordMinScore > 0 &&
    length <= options.passwordMaxLength &&
    guessScore(normalized, [email, localPart, context.name]) < options.passwordMinScore
  ) {
    failed.push('too_guessable')
  }
  return failed
}

/** @throws weak_password with every failed rule in details. */
export function assertAcceptablePassword(options: PasswordPolicyOptions, password: string, context: { email?: string; name?: string | null }): void {
  const failed = checkPassword(options, password, context)
  if (failed.length > 0) throw new PortcullisError('weak_password', 'The password does not meet the policy', { details: failed.map((rule) => ({ rule })) })
}

export function describePolicy(options: PasswordPolicyOptions): PasswordPolicy {
  return {
    minLength: options.passwordMinLength,
    maxLength: options.passwordMaxLength,
    minScore: options.passwordMinScore,
    blocksCommonPasswords: true,
    blocksEmail: true,
  }
}

function guessScore(password: string, userInputs: Array<string | null | undefined>): number {
  if (!zxcvbnReady) {
    zxcvbnOptions.setOptions({ dictionary, graphs: adjacencyGraphs })
    zxcvbnReady = true
  }
  return zxcvbn(
    password,
    userInputs.filter((input): input is string => Boolean(input)),
  ).score
}
