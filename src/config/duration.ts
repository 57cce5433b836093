const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** Parses `90`, `30s`, `5m`, `1h` or `2d` into whole seconds; null when it is not a duration. */
export function parseDurationSeconds(text: string): number | null {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text)
  if (!match) return null
  const value = Number(match[1])
  const unit = match[2] || 's'
  return value * (UNIT_SECONDS[unit] ?? 1)
}
