// Finds the calls made through the typed client, statically, with the TypeScript checker:
// `<client>.<service>.<method>.query(...)` / `.mutate(...)` where `query`/`mutate` is the tRPC
// client's own procedure method (so any variable, parameter or property holding the client counts,
// and a look-alike object does not). Test files are not call sites.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { CallSite } from "./check.ts";

export interface FindCallSitesOptions {
  /** tsconfig.json files whose programs to scan. */
  readonly tsconfigs: readonly string[];
  /** Paths in the results are relative to this. */
  readonly root: string;
  /** Files to skip (default: tests). */
  readonly exclude?: (file: string) => boolean;
}

/**
 * The tsconfig.json of every package in the given folders of a repository (by default `apps/`
 * and `packages/`: the code that runs, as opposed to tooling, benchmarks and browser tests).
 */
export function workspaceTsconfigs(
  root: string,
  folders: readonly string[] = ["apps", "packages"],
): string[] {
  return folders.flatMap((folder) => {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(dir, entry.name, "tsconfig.json"))
      .filter((file) => fs.existsSync(file))
      .sort();
  });
}

/**
 * Whether a file's text can hold a call the finder recognises: `<...>.query(` or `.mutate(`
 * (white space and comments aside, which the pattern allows for), so a file without one is no root.
 */
function mayCall(file: string): boolean {
  return /\.\s*(?:query|mutate)\s*(?:\/\*[\s\S]*?\*\/\s*)?\(/.test(fs.readFileSync(file, "utf8"));
}

const isTest = (file: string) =>
  /\.(test|spec)\.tsx?$/.test(file) || /[\\/](test|tests|__tests__|e2e)[\\/]/.test(file);

export function findCallSites(options: FindCallSitesOptions): CallSite[] {
  const exclude = options.exclude ?? isTest;
  const files = new Set<string>();
  let compilerOptions: ts.CompilerOptions | undefined;
  for (const tsconfig of options.tsconfigs) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      tsconfig,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
        },
      },
    );
    if (parsed === undefined) continue;
    compilerOptions ??= parsed.options;
    for (const file of parsed.fileNames)
      if (!exclude(file) && !file.endsWith(".d.ts") && mayCall(file)) files.add(path.resolve(file));
  }
  // Only the files that may hold a call are roots; what they import is loaded as needed. Most of
  // the time went into parsing every file of every package and all their types (Next, React,
  // the API viewer's): a third of the files, a quarter of the time, the same call sites.
  const program = ts.createProgram({
    rootNames: [...files],
    options: { ...compilerOptions, noEmit: true, skipLibCheck: true },
  });
  const checker = program.getTypeChecker();
  const sites: CallSite[] = [];
  for (const source of program.getSourceFiles()) {
    if (!files.has(path.resolve(source.fileName))) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const site = callSite(node, source, checker, options.root);
        if (site !== null) sites.push(site);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function callSite(
  call: ts.CallExpression,
  source: ts.SourceFile,
  checker: ts.TypeChecker,
  root: string,
): CallSite | null {
  const verb = call.expression;
  if (
    !ts.isPropertyAccessExpression(verb) ||
    (verb.name.text !== "query" && verb.name.text !== "mutate")
  )
    return null;
  const method = verb.expression;
  if (!ts.isPropertyAccessExpression(method) || !ts.isPropertyAccessExpression(method.expression))
    return null;
  const service = method.expression.name.text;
  // Only the tRPC client's procedure methods: their declarations live in @trpc/client. A call
  // of a method (or service) the contracts no longer have does not type-check, so the checker
  // cannot resolve it: it still counts when its parent is a client's service (or the client).
  const resolved = isClientProcedure(checker.getSymbolAtLocation(verb.name));
  if (
    !resolved &&
    !hasClientProcedures(checker.getTypeAtLocation(method.expression), checker, 1) &&
    !hasClientProcedures(checker.getTypeAtLocation(method.expression.expression), checker, 2)
  ) {
    return null;
  }
  const { line } = source.getLineAndCharacterOfPosition(call.getStart(source));
  return {
    service,
    method: method.name.text,
    file: path.relative(root, source.fileName),
    line: line + 1,
    ...passedNames(call.arguments[0], checker),
  };
}

const TRPC_CLIENT = /[\\/]@trpc[\\/]client[\\/]/;

function isClientProcedure(symbol: ts.Symbol | undefined): boolean {
  return (symbol?.declarations ?? []).some((d) => TRPC_CLIENT.test(d.getSourceFile().fileName));
}

/** Whether a value of this type holds tRPC client procedures `depth` property levels down. */
function hasClientProcedures(type: ts.Type, checker: ts.TypeChecker, depth: number): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  return type.getProperties().some((property) => {
    // Mapped-type members (the client's services and methods) have no declaration to ask.
    const inner = checker.getTypeOfSymbol(property);
    if (depth <= 1)
      return ["query", "mutate"].some((verb) => isClientProcedure(inner.getProperty(verb)));
    return hasClientProcedures(inner, checker, depth - 1);
  });
}

/** What a call's argument surely passes, and what it may pass (optional properties of its type). */
function passedNames(
  argument: ts.Expression | undefined,
  checker: ts.TypeChecker,
): { passes: string[] | "unknown"; mayPass: string[] } {
  const sure = new Set<string>();
  const maybe = new Set<string>();
  const fromType = (type: ts.Type): boolean => {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
    for (const property of type.getProperties()) {
      (property.flags & ts.SymbolFlags.Optional ? maybe : sure).add(property.getName());
    }
    return true;
  };
  if (argument === undefined) return { passes: [], mayPass: [] };
  if (ts.isObjectLiteralExpression(argument)) {
    for (const property of argument.properties) {
      if (ts.isSpreadAssignment(property)) {
        if (!fromType(checker.getTypeAtLocation(property.expression)))
          return { passes: "unknown", mayPass: [] };
      } else if (
        property.name !== undefined &&
        (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
      ) {
        sure.add(property.name.text);
      } else {
        return { passes: "unknown", mayPass: [] };
      }
    }
  } else if (!fromType(checker.getTypeAtLocation(argument))) {
    return { passes: "unknown", mayPass: [] };
  }
  for (const name of sure) maybe.delete(name);
  return { passes: [...sure].sort(), mayPass: [...maybe].sort() };
}
