import { describe, expect, it } from "vitest";
import { hasMarkers, MarkerError, stripMarkers } from "../src/markers.ts";

const demo = new Set(["demo", "repo-only"] as const);
const keep = new Set(["repo-only"] as const);
const lines = (...text: string[]) => text.join("\n");

describe("marker comments", () => {
  const source = lines(
    'import { a } from "./a.ts";',
    'import { b } from "./b.ts"; // demo:line',
    "",
    "export const all = [",
    "  a,",
    "  // demo:start",
    "  b,",
    "  // demo:end",
    "];",
    "",
    "# repo-only:start",
    "only in the template repository",
    "# repo-only:end",
    "",
    "<!-- demo:start -->",
    "A demo paragraph.",
    "<!-- demo:end -->",
    "",
    "{/* demo:start */}",
    "<DemoForm />",
    "{/* demo:end */}",
    "end",
  );

  it("--no-demo drops the demo blocks and lines, and every marker", () => {
    expect(stripMarkers(source, "x.ts", demo)).toBe(
      lines('import { a } from "./a.ts";', "", "export const all = [", "  a,", "];", "", "end"),
    );
  });

  it("with the demo: keeps the demo lines, still drops repo-only blocks and every marker", () => {
    const kept = stripMarkers(source, "x.ts", keep);
    expect(kept).toBe(
      lines(
        'import { a } from "./a.ts";',
        'import { b } from "./b.ts";',
        "",
        "export const all = [",
        "  a,",
        "  b,",
        "];",
        "",
        "",
        "A demo paragraph.",
        "",
        "<DemoForm />",
        "end",
      ).replace("\n\n\nA demo", "\n\nA demo"),
    );
    expect(hasMarkers(kept)).toBe(false);
  });

  it("tidies the seam: no blank line left before a closing bracket or twice in a row", () => {
    const text = lines(
      "function f() {",
      "  one();",
      "",
      "  // demo:start",
      "  two();",
      "  // demo:end",
      "}",
    );
    expect(stripMarkers(text, "f.ts", demo)).toBe(lines("function f() {", "  one();", "}"));
    const twice = lines("a", "", "// demo:start", "b", "// demo:end", "", "c");
    expect(stripMarkers(twice, "f.ts", demo)).toBe(lines("a", "", "c"));
  });

  it("names the file and line of an unbalanced or nested marker", () => {
    expect(() => stripMarkers(lines("// demo:start", "x"), "open.ts", demo)).toThrow(
      new MarkerError('open.ts:1: "demo:start" is never closed.'),
    );
    expect(() => stripMarkers(lines("x", "// demo:end"), "close.ts", demo)).toThrow(
      'close.ts:2: "demo:end" without a "demo:start".',
    );
    expect(() =>
      stripMarkers(lines("// demo:start", "# repo-only:start"), "nest.ts", demo),
    ).toThrow('nest.ts:2: "repo-only:start" inside the "demo" block opened at line 1');
  });

  it("ignores marker words that are not a comment of their own", () => {
    const prose = lines(
      "End a line with `// demo:line` to mark it.",
      "Wrap demo-only lines in `// demo:start` and `// demo:end`.",
      'const s = "demo:end";',
    );
    expect(hasMarkers(prose)).toBe(false);
    expect(stripMarkers(prose, "README.md", demo)).toBe(prose);
  });
});
