// Marker comments in the template's shared files:
//
//   // demo:start          (or `# demo:start`, `<!-- demo:start -->`, `{/* demo:start */}`)
//   ...lines that only the demo services need...
//   // demo:end
//
//   import { userService } from "./user/contract.ts"; // demo:line    (that line only)
//
// `demo` blocks go when a project is created with --no-demo; `repo-only` blocks (things that
// exist only in the template repository, like this package's own CI step) always go. The marker
// lines themselves never reach a new project.

export type MarkerKind = "demo" | "repo-only";

const MARKER = /^\s*(?:\/\/|#|<!--|\{?\/\*)\s*(demo|repo-only):(start|end)\b/;
/** A trailing comment, last on its line, that marks that line. */
const LINE_MARKER =
  /\s*(?:(?:\/\/|#)\s*(demo|repo-only):line|<!--\s*(demo|repo-only):line\s*-->|\{?\/\*\s*(demo|repo-only):line\s*\*\/\}?)\s*$/;

export class MarkerError extends Error {}

/** Whether a file has any marker line. */
export function hasMarkers(text: string): boolean {
  return text.split("\n").some((line) => MARKER.test(line) || LINE_MARKER.test(line));
}

/**
 * Removes every marker line, and the blocks of the kinds in `drop` with them. Where a dropped
 * block leaves a blank line a formatter would remove, it goes too. Throws on an
 * unbalanced or nested marker, naming the file and line.
 */
export function stripMarkers(text: string, file: string, drop: ReadonlySet<MarkerKind>): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let open: { kind: MarkerKind; line: number } | null = null;
  let droppedBlockEnded = false; // a dropped block or line just ended
  for (const [index, raw] of lines.entries()) {
    let line = raw;
    const match = MARKER.exec(line);
    if (match === null) {
      if (open !== null && drop.has(open.kind)) continue;
      const lineMarker = LINE_MARKER.exec(line);
      if (lineMarker !== null) {
        const kind = (lineMarker[1] ?? lineMarker[2] ?? lineMarker[3]) as MarkerKind;
        if (drop.has(kind)) {
          droppedBlockEnded = true;
          continue;
        }
        line = line.slice(0, lineMarker.index);
      }
      if (droppedBlockEnded) {
        // Tidy the seam a dropped block leaves, as a formatter would: no blank line twice, none
        // right after an opening bracket, none right before a closing one.
        droppedBlockEnded = false;
        const previous = (out.at(-1) ?? "").trim();
        if (line.trim() === "" && (previous === "" || /[{[(]$/.test(previous))) continue;
        if (/^[}\])]/.test(line.trim()) && previous === "" && out.length > 0) out.pop();
      }
      out.push(line);
      continue;
    }
    const kind = match[1] as MarkerKind;
    const edge = match[2] as "start" | "end";
    if (edge === "start") {
      if (open !== null) {
        throw new MarkerError(
          `${file}:${index + 1}: "${kind}:start" inside the "${open.kind}" block opened at line ${open.line}; markers do not nest.`,
        );
      }
      open = { kind, line: index + 1 };
    } else {
      if (open === null || open.kind !== kind) {
        throw new MarkerError(`${file}:${index + 1}: "${kind}:end" without a "${kind}:start".`);
      }
      droppedBlockEnded = drop.has(kind);
      open = null;
    }
  }
  if (open !== null) {
    throw new MarkerError(`${file}:${open.line}: "${open.kind}:start" is never closed.`);
  }
  return out.join("\n");
}
