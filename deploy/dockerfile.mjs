// Reads the Dockerfiles in deploy/ into stages of steps, for deploy/check-image-steps.mjs (which
// runs them outside a container) and its test. Only the instructions our Dockerfiles use are
// understood; anything else is an error, so a Dockerfile cannot grow a step that CI skips.

/**
 * @typedef {{ op: "WORKDIR", path: string }
 *   | { op: "ENV", vars: Record<string, string> }
 *   | { op: "COPY", from: string | undefined, sources: string[], dest: string }
 *   | { op: "RUN", command: string }
 *   | { op: "USER", user: string }
 *   | { op: "EXPOSE", port: number }
 *   | { op: "HEALTHCHECK", command: string[] }
 *   | { op: "CMD", command: string[] }} Step
 * @typedef {{ name: string, image: string, steps: Step[] }} Stage
 */

/** Joins continued lines (a trailing backslash) and drops comments and blank lines. */
function logicalLines(text) {
  const lines = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (current === "" && (line.trim() === "" || line.trimStart().startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push((current + line).trim());
    current = "";
  }
  if (current !== "") lines.push(current.trim());
  return lines;
}

/** Leading `--name=value` flags of an instruction, and the rest. */
function flags(rest) {
  const found = {};
  let remaining = rest;
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(remaining);
    if (match === null) return { flags: found, rest: remaining };
    found[match[1]] = match[2] ?? "true";
    remaining = remaining.slice(match[0].length);
  }
}

function execForm(text, where) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where}: use the exec form (a JSON list), got ${text}`);
  }
  if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== "string"))
    throw new Error(`${where}: expected a JSON list of strings`);
  return parsed;
}

/** The stages of a Dockerfile, in order. Throws on anything deploy/ does not use. */
export function parseDockerfile(text) {
  /** @type {Stage[]} */
  const stages = [];
  for (const line of logicalLines(text)) {
    const [, op = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const where = `${op} ${rest}`.slice(0, 60);
    const upper = op.toUpperCase();
    if (upper === "FROM") {
      const match = /^(\S+)\s+AS\s+(\S+)$/i.exec(rest);
      if (match === null) throw new Error(`${where}: name every stage (FROM <image> AS <name>)`);
      stages.push({ image: match[1], name: match[2], steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${where}: before the first FROM`);
    const given = flags(rest);
    const unknownFlag = (allowed) => {
      const extra = Object.keys(given.flags).filter((flag) => !allowed.includes(flag));
      if (extra.length > 0) throw new Error(`${where}: flag --${extra[0]} is not supported here`);
    };
    switch (upper) {
      case "WORKDIR":
        if (!rest.startsWith("/")) throw new Error(`${where}: WORKDIR must be absolute`);
        if (stage.steps.some((step) => step.op === "WORKDIR"))
          throw new Error(`${where}: one WORKDIR per stage`);
        stage.steps.push({ op: "WORKDIR", path: rest.replace(/\/$/, "") });
        break;
      case "ENV": {
        const vars = {};
        for (const pair of rest.split(/\s+/)) {
          const eq = pair.indexOf("=");
          if (eq <= 0 || /["'$]/.test(pair))
            throw new Error(`${where}: write ENV as NAME=value pairs, unquoted`);
          vars[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        stage.steps.push({ op: "ENV", vars });
        break;
      }
      case "COPY": {
        unknownFlag(["from"]);
        const paths = given.rest.split(/\s+/);
        if (paths.length < 2) throw new Error(`${where}: COPY needs a source and a destination`);
        stage.steps.push({
          op: "COPY",
          from: given.flags.from,
          sources: paths.slice(0, -1),
          dest: paths.at(-1) ?? "",
        });
        break;
      }
      case "RUN":
        // A cache mount keeps npm's cache out of the image; outside a container npm uses its own.
        unknownFlag(["mount"]);
        stage.steps.push({ op: "RUN", command: given.rest });
        break;
      case "USER":
        stage.steps.push({ op: "USER", user: rest });
        break;
      case "EXPOSE":
        stage.steps.push({ op: "EXPOSE", port: Number(rest) });
        break;
      case "HEALTHCHECK": {
        unknownFlag(["interval", "timeout", "start-period", "retries"]);
        const match = /^CMD\s+(.*)$/.exec(given.rest);
        if (match === null) throw new Error(`${where}: HEALTHCHECK CMD [...] expected`);
        stage.steps.push({ op: "HEALTHCHECK", command: execForm(match[1], where) });
        break;
      }
      case "CMD":
        stage.steps.push({ op: "CMD", command: execForm(rest, where) });
        break;
      default:
        throw new Error(`${where}: ${op} is not supported by deploy/check-image-steps.mjs`);
    }
  }
  return stages;
}

/** The WORKDIR of a stage (required: every path of the emulation is taken from it). */
export function workdirOf(stage) {
  const step = stage.steps.find((candidate) => candidate.op === "WORKDIR");
  if (step === undefined) throw new Error(`stage ${stage.name} has no WORKDIR`);
  return step.path;
}

/** Every ENV of a stage, merged in order. */
export function envOf(stage) {
  return Object.assign(
    {},
    ...stage.steps.filter((step) => step.op === "ENV").map((step) => step.vars),
  );
}

/** The last step of a kind in a stage (USER, HEALTHCHECK, CMD, EXPOSE: the last one wins). */
export function lastOf(stage, op) {
  return stage.steps.filter((step) => step.op === op).at(-1);
}
