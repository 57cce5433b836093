// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time by function and by
// package, so a hot spot is named without opening DevTools.
//   node --import tsx bench/profile-summary.ts bench/results/profiles/CPU.….cpuprofile [top]
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topText] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: bench/profile-summary.ts FILE.cpuprofile [top]\n')
  process.exit(2)
}
const top = Number(topText ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfMicros = new Map<number, number>()
profile.samples.forEach((id, index) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0))
})

function packageOf(url: string): string {
  if (!url) return '(native/idle)'
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules) return modules[1] as string
  const source = /\/(src|bench)\/(.+?)\/[^/]+$/.exec(url)
  if (source) return `${source[1]}/${source[2]}`
  if (url.startsWith('node:')) return url
  return url.replace(/^.*\//, '')
}

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
let total = 0
for (const [id, micros] of selfMicros) {
  const frame = (byId.get(id) as ProfileNode).callFrame
  const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${frame.lineNumber + 1}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  byPackage.set(packageOf(frame.url), (byPackage.get(packageOf(frame.url)) ?? 0) + micros)
  total += micros
}

function print(title: string, table: Map<string, number>): void {
  process.stdout.write(`\n${title} (of ${(total / 1e6).toFixed(2)} s sampled)\n`)
  for (const [name, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}\n`)
  }
}

print('self time by package', byPackage)
print('self time by function', byFunction)
