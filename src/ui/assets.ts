import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** A static file of the UI, read once at start; `href` carries a content hash so it can be cached for good. */
export interface Asset {
  href: string
  body: string
  type: string
}

export interface Assets {
  style: Asset
  script: Asset
  passkeys: Asset
  icon: Asset
  byName: ReadonlyMap<string, Asset>
}

const DEFAULT_ACCENT = '#1d4ed8'

function load(name: string, type: string, transform: (text: string) => string = (text) => text): Asset {
  const body = transform(readFileSync(new URL(`./static/${name}`, import.meta.url), 'utf8'))
  const version = createHash('sha256').update(body).digest('hex').slice(0, 12)
  return { href: `/assets/${name}?v=${version}`, body, type }
}

/** Loads the stylesheet (with the accent colour, already validated as a hex colour), the script and the icon. */
export function loadAssets(accentColor: string | undefined): Assets {
  const accent = accentColor ?? DEFAULT_ACCENT
  const style = load('style.css', 'text/css; charset=utf-8', (text) =>
    accentColor ? `${text}:root {\n  --accent: ${accent};\n  --accent-text: ${textOn(accent)};\n}\n` : text,
  )
  const script = load('recovery-codes.js', 'text/javascript; charset=utf-8')
  const passkeys = load('passkeys.js', 'text/javascript; charset=utf-8')
  const icon = load('favicon.svg', 'image/svg+xml', (text) => text.replaceAll(DEFAULT_ACCENT, accent))
  const byName = new Map([
    ['style.css', style],
    ['recovery-codes.js', script],
    ['passkeys.js', passkeys],
    ['favicon.svg', icon],
  ])
  return { style, script, passkeys, icon, byName }
}

// WCAG relative luminance: dark text on light accents, white text on dark ones.
function textOn(hex: string): string {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((d) => d + d) : [hex.slice(1, 3), hex.slice(3, 5), hex.slice(5, 7)]
  const [r = 0, g = 0, b = 0] = digits.map((pair) => {
    const channel = Number.parseInt(pair, 16) / 255
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
  })
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
  return luminance > 0.19 ? '#111' : '#fff'
}
