#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Command, CommandIo } from './command.js'
import { commands } from './commands/index.js'
import { describeError } from './describe-error.js'

const USAGE_ERROR = 2

/** Runs the `portcullis` command line; returns the exit code. */
async function main(argv: string[], io: CommandIo): Promise<number> {
  const [first] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    ;(first === undefined ? io.err : io.out)(generalHelp())
    return first === undefined ? USAGE_ERROR : 0
  }
  if (first === '--version' || first === '-v') {
    io.out(version())
    return 0
  }
  const command = findCommand(argv)
  if (!command) {
    const group = commands.filter((candidate) => candidate.words.length > 1 && candidate.words[0] === first)
    io.err(group.length > 0 ? `portcullis ${first}: expected one of: ${group.map((c) => c.words[1]).join(', ')}\n` : `portcullis: unknown command "${first}"\n`)
    io.err(generalHelp())
    return USAGE_ERROR
  }
  const rest = argv.slice(command.words.length)
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (error) {
    io.err(`portcullis ${command.words.join(' ')}: ${(error as Error).message}\n`)
    io.err(commandHelp(command))
    return USAGE_ERROR
  }
  if (parsed.values.help) {
    io.out(commandHelp(command))
    return 0
  }
  const expected = command.args?.length ?? 0
  if (parsed.positionals.length !== expected) {
    io.err(`portcullis ${command.words.join(' ')}: expected ${expected} argument${expected === 1 ? '' : 's'}, got ${parsed.positionals.length}\n`)
    io.err(commandHelp(command))
    return USAGE_ERROR
  }
  try {
    return await command.run({ values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals, io })
  } catch (error) {
    const debug = ['debug', 'trace'].includes(io.env.LOG_LEVEL ?? '')
    io.err(`portcullis ${command.words.join(' ')}: ${describeError(error, debug)}`)
    return 1
  }
}

// The command whose words match the start of argv, longest first (`user unlock` before `user`).
function findCommand(argv: string[]): Command | undefined {
  return [...commands].sort((a, b) => b.words.length - a.words.length).find((command) => command.words.every((word, index) => argv[index] === word))
}

function generalHelp(): string {
  const width = Math.max(...commands.map((command) => signature(command).length))
  return [
    'Usage: portcullis <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${signature(command).padEnd(width)}  ${command.summary}`),
    '',
    'Configuration comes from the environment (DATABASE_URL, PORTCULLIS_SECRET, ...); see README.md.',
    'Run `portcullis <command> --help` for details.',
  ].join('\n')
}

function commandHelp(command: Command): string {
  const options = Object.entries(command.options ?? {}).map(([name, option]) => `  --${name}${option.type === 'string' ? ' <value>' : ''}`)
  return [
    `Usage: portcullis ${signature(command)}${options.length > 0 ? ' [options]' : ''}`,
    '',
    command.summary,
    ...(command.help ? ['', command.help] : []),
    '',
    'Options:',
    ...options,
    '  -h, --help  Show this help',
  ].join('\n')
}

function signature(command: Command): string {
  return [...command.words, ...(command.args ?? [])].join(' ')
}

function version(): string {
  // package.json sits two levels up from both src/cli/ and dist/cli/.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

const io: CommandIo = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}
// Exit explicitly: a pool or timer left by a library must not keep a finished command alive.
process.exit(await main(process.argv.slice(2), io))
