import { ConfigError } from '../errors.js'

/** An operator-facing account of an error: the message and its causes, a stack only when asked for. */
export function describeError(error: unknown, withStack = false): string {
  if (error instanceof ConfigError) return error.message
  const lines: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    lines.push(depth === 0 ? messageOf(current) : `  caused by: ${messageOf(current)}`)
    current = current instanceof Error ? current.cause : undefined
  }
  if (withStack && error instanceof Error && error.stack) lines.push(error.stack)
  return lines.join('\n')
}

function messageOf(error: unknown): string {
  // pg reports a refused connection on every resolved address as an AggregateError with no message.
  if (error instanceof AggregateError && !error.message) return error.errors.map(messageOf).join('; ')
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
