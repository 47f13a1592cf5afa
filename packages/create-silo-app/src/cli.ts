// The command line: create-silo-app <directory> [--scope <@scope>] [--no-demo] [--no-git].
import path from "node:path";
import { parseArgs } from "node:util";
import { createProject } from "./create.ts";
import { MarkerError } from "./markers.ts";
import { InputError } from "./names.ts";

export const USAGE = `Usage: create-silo-app <directory> [options]

Creates a multi-silo TypeScript application (a control silo and region silos talking through
typed, signed RPC) in <directory>, a new or empty folder. Its name is the project's name.

Options:
  --scope <@scope>  npm scope of the project's packages (default: @<project name>)
  --no-demo         leave out the demo services (organization, user, integration), their
                    tables, data, tests and pages; keep the RPC framework, the silo server,
                    the admin app and the organization mappings that route calls
  --no-git          do not initialise a git repository
  -h, --help        show this help

Examples:
  npm create silo-app@latest my-app
  npm create silo-app@latest my-app -- --scope @acme --no-demo`;

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
}

const defaultIo: Io = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  cwd: process.cwd(),
};

/** Runs the command; returns the exit code (0 done, 1 bad input or failure). */
export async function run(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (parsed.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    const result = await createProject({
      directory: parsed.directory,
      ...(parsed.scope === undefined ? {} : { scope: parsed.scope }),
      demo: parsed.demo,
      git: parsed.git,
      cwd: io.cwd,
      log: io.out,
    });
    // Where to cd: relative when that is short, the absolute path when it climbs far.
    const relative = path.relative(io.cwd, result.target) || ".";
    const where = relative.startsWith(`..${path.sep}..`) ? result.target : relative;
    io.out(`\nCreated ${result.name}: ${result.files} files.`);
    io.out(result.git.note);
    io.out(
      [
        "\nNext:",
        ...(where === "." ? [] : [`  cd ${where.includes(" ") ? `"${where}"` : where}`]),
        "  npm install",
        "  npm run dev      # the admin app on http://localhost:3000, every service in process",
        "  npm test",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    if (error instanceof InputError || error instanceof MarkerError) {
      io.err(`create-silo-app: ${error.message}`);
    } else {
      io.err(`create-silo-app failed, and left nothing behind: ${(error as Error).stack ?? error}`);
    }
    return 1;
  }
}

function parse(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      scope: { type: "string" },
      "no-demo": { type: "boolean", default: false },
      "no-git": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return { help: true as const, directory: "", demo: true, git: true };
  if (positionals.length === 0) throw new Error("Give the folder to create, e.g. my-app.");
  if (positionals.length > 1) {
    throw new Error(
      `Give one folder, not ${positionals.length} (${positionals.join(", ")}); quote a path with spaces.`,
    );
  }
  return {
    help: false as const,
    directory: positionals[0] as string,
    scope: values.scope,
    demo: !values["no-demo"],
    git: !values["no-git"],
  };
}
