import type { ParseArgsConfig } from 'node:util'

export type Env = Record<string, string | undefined>

/** Where a command writes, and the environment it reads; tests pass their own. */
export interface CommandIo {
  env: Env
  out(line: string): void
  err(line: string): void
}

export interface CommandInput {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
  io: CommandIo
}

/** One CLI command, one file in commands/; main.ts finds it by its words and parses its options. */
export interface Command {
  /** The words that select it: ['serve'], ['user', 'unlock']. */
  words: string[]
  /** Positional arguments after the words, for help: ['<email>']. */
  args?: string[]
  summary: string
  /** Paragraphs shown by --help under the usage line. */
  help?: string
  options?: NonNullable<ParseArgsConfig['options']>
  /** Returns the exit code. */
  run(input: CommandInput): Promise<number>
}
