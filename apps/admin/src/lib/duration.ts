// Durations as people read them on a page: the two largest units, rounded down.

const UNITS = [
  ["d", 86_400],
  ["h", 3600],
  ["min", 60],
  ["s", 1],
] as const;

/** `seconds` as "12 s", "4 min 5 s", "2 h 5 min" or "3 d 4 h"; under a second, "0 s". */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${count} ${unit}`);
    if (parts.length === 2) break;
  }
  // A trailing zero says nothing: "4 min", not "4 min 0 s".
  if (parts.length === 2 && parts[1]?.startsWith("0 ")) parts.pop();
  return parts.length === 0 ? "0 s" : parts.join(" ");
}
