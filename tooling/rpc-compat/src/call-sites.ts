// Finds the calls made through the typed client, statically, with the TypeScript checker. A value
// is the client, one of its services or one of its methods by its TYPE, so a call counts however
// it got there: `client.organization.getOrgBySlug.query(...)`, `orgs.getOrgBySlug.query(...)` after
// `const orgs = client.organization`, or a function's parameter given `client.organization`. Every
// use of such a value that the finder cannot follow (the value cast to `any`, passed to code it
// does not scan, a method picked by a computed key) is a call site too, marked `unknown`: it may
// call any method it does not name, with any parameters. Test files are not call sites.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import type { CallSite } from "./check.ts";
import { type ClientLevel, ClientTypes, isClientProcedure } from "./client-types.ts";

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

const isTest = (file: string) =>
  /\.(test|spec)\.tsx?$/.test(file) || /[\\/](test|tests|__tests__|e2e)[\\/]/.test(file);

export function findCallSites(options: FindCallSitesOptions): CallSite[] {
  const { program, scanned } = loadProgram(options);
  const finder = new Finder(program.getTypeChecker(), scanned, options.root);
  for (const source of program.getSourceFiles()) {
    if (scanned.has(path.resolve(source.fileName))) finder.scan(source);
  }
  return finder.callSites().sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * The program of every file of the tsconfigs (tests aside), all of them scanned: a file that
 * never calls a method itself can still hand the client to code that does, or lose it. Reading
 * only the files that write `.query(` was a third faster, but blind to those.
 */
function loadProgram(options: FindCallSitesOptions) {
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
      if (!exclude(file) && !file.endsWith(".d.ts")) files.add(path.resolve(file));
  }
  const program = ts.createProgram({
    rootNames: [...files],
    options: { ...compilerOptions, noEmit: true, skipLibCheck: true },
  });
  return { program, scanned: files };
}

/** A value of the client seen in the source, before the names are known. */
interface Found {
  readonly node: ts.Node;
  readonly source: ts.SourceFile;
  /** How to name it once every client type is learned. */
  readonly name: () => { service: string | null; method: string | null };
  readonly argument?: ts.Expression | undefined;
  /** Why the finder cannot follow this use; absent for a call (unknown only if it has no name). */
  readonly unknown?: string;
}

class Finder {
  private readonly types: ClientTypes;
  private readonly found: Found[] = [];

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly scanned: ReadonlySet<string>,
    private readonly root: string,
  ) {
    this.types = new ClientTypes(checker);
  }

  scan(source: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      // Types hold no calls, and imports and exports only pass the value on to other files.
      if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isExportDeclaration(node))
        return;
      if (ts.isCallExpression(node)) this.call(node, source);
      if (isValueReference(node)) this.use(node, source);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }

  callSites(): CallSite[] {
    return this.found.map(({ node, source, name, argument, unknown }) => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      const named = name();
      // A call whose method the types do not name (its service's type is none of a client's
      // the finder has seen) may call any method of what it does not name.
      const why =
        unknown ??
        (named.service === null || named.method === null
          ? `${shortText(node)}: the finder cannot tell which method this calls`
          : undefined);
      return {
        ...named,
        file: path.relative(this.root, source.fileName),
        line: line + 1,
        ...(argument === undefined && unknown !== undefined
          ? { passes: "unknown" as const, mayPass: [] }
          : passedNames(argument, this.checker)),
        ...(why === undefined ? {} : { unknown: why }),
      };
    });
  }

  private levelAt(node: ts.Node): ClientLevel | null {
    const type = this.checker.getTypeAtLocation(node);
    const level = this.types.levelOf(type);
    if (level === "client") this.types.learn(type);
    return level;
  }

  /** `<method>.query(...)` / `.mutate(...)`: a call site, named from the method's type. */
  private call(call: ts.CallExpression, source: ts.SourceFile): void {
    const verb = member(call.expression);
    if (verb === null || (verb.name !== "query" && verb.name !== "mutate")) return;
    const method = verb.object;
    // A method the contracts no longer have does not type-check, so the checker cannot resolve
    // the call: it still counts when it is taken from a service of the client.
    if (
      !isClientProcedure(this.checker.getSymbolAtLocation(call.expression)) &&
      this.levelAt(method) !== "method" &&
      this.namedMember(method) === null
    )
      return;
    // `service[name].query(...)`: the service's use is reported, as a member chosen at run time.
    const picked = skipParentheses(method);
    if (ts.isElementAccessExpression(picked) && memberName(picked, this.checker) === null) return;
    this.found.push({
      node: call,
      source,
      name: () => this.nameOfMethod(method),
      argument: call.arguments[0],
    });
  }

  /** A value of the client's type: followed where it goes, or a call site marked unknown. */
  private use(node: ts.Expression, source: ts.SourceFile): void {
    const level = this.levelAt(node);
    if (level === null) return;
    const unknown = this.lostAt(node, level);
    if (unknown === null) return;
    this.found.push({
      node,
      source,
      unknown,
      name: () =>
        level === "client"
          ? { service: null, method: null }
          : level === "service"
            ? { service: this.nameOfService(node), method: null }
            : this.nameOfMethod(node),
    });
  }

  /**
   * `<service>.<name>` or `<client>.<service>.<name>`, where the checker knows the service's
   * type but not the member's (a method or service that is gone): the names as written.
   */
  private namedMember(node: ts.Expression): { service: string | null; method: string } | null {
    const access = member(node);
    if (access === null) return null;
    if (this.levelAt(access.object) === "service")
      return { service: this.nameOfService(access.object), method: access.name };
    const outer = member(access.object);
    if (outer !== null && this.levelAt(outer.object) === "client")
      return { service: outer.name, method: access.name };
    return null;
  }

  private nameOfMethod(node: ts.Expression): { service: string | null; method: string | null } {
    const written = this.namedMember(node);
    if (written !== null) return written;
    return (
      this.types.methodName(this.checker.getTypeAtLocation(node)) ?? {
        service: null,
        method: null,
      }
    );
  }

  private nameOfService(node: ts.Expression): string | null {
    const access = member(node);
    if (access !== null && this.levelAt(access.object) === "client") return access.name;
    return this.types.serviceName(this.checker.getTypeAtLocation(node));
  }

  /**
   * Why the finder cannot follow the client's value where it is used; null when it can (its
   * member is taken, it is kept where its type stays the client's) or the use calls nothing.
   */
  private lostAt(node: ts.Expression, level: ClientLevel): string | null {
    const parent = node.parent;
    const text = shortText(node);
    if (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) {
      if (parent.expression !== node) return this.flowsInto(node, parent);
      const name = memberName(parent, this.checker);
      if (name === null) return `${shortText(parent)}: a member chosen at run time`;
      const called = ts.isCallExpression(parent.parent) && parent.parent.expression === parent;
      if (level === "method" && (name === "query" || name === "mutate") && !called)
        return `${shortText(parent)} is taken without being called there`;
      return null;
    }
    if (isWrapper(parent, node)) {
      return this.types.levelOf(this.checker.getTypeAtLocation(parent)) === null
        ? `${text} loses the client's type in ${shortText(parent)}`
        : null;
    }
    if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) {
      if (parent.expression === node) return null;
      return this.passedTo(node, parent);
    }
    if (makesNoCall(parent, node)) return null;
    return this.flowsInto(node, parent);
  }

  /** An argument: followed into a function of the scanned code whose parameter keeps the type. */
  private passedTo(node: ts.Expression, call: ts.CallExpression | ts.NewExpression) {
    const text = shortText(node);
    const callee = shortText(call.expression);
    const target = this.checker.getContextualType(node);
    if (target === undefined || this.types.levelOf(target) === null) {
      const as = target === undefined ? "" : ` as ${this.typeText(target)}`;
      return `${text} is passed to ${callee}${as}`;
    }
    const signature = this.checker.getResolvedSignature(call);
    const declaration = signature?.declaration;
    const file = declaration?.getSourceFile().fileName;
    if (file !== undefined && this.scanned.has(path.resolve(file))) return null;
    // Code outside (a library, Node's own) cannot call through a value it only knows as a type
    // parameter of its own, like `Map.prototype.set`'s V: it hands it back with its type.
    const index = call.arguments?.indexOf(node) ?? -1;
    if (
      declaration !== undefined &&
      !ts.isJSDocSignature(declaration) &&
      this.isBareTypeParameter(declaration, index)
    )
      return null;
    return `${text} is passed to ${callee}, outside the scanned code`;
  }

  private isBareTypeParameter(declaration: ts.SignatureDeclaration, index: number): boolean {
    const parameters = declaration.parameters;
    const last = parameters[parameters.length - 1];
    const parameter = parameters[index] ?? (last?.dotDotDotToken !== undefined ? last : undefined);
    if (parameter?.type === undefined) return false;
    const declared = this.checker.getTypeFromTypeNode(parameter.type);
    const element =
      parameter.dotDotDotToken !== undefined
        ? this.checker.getIndexTypeOfType(declared, ts.IndexKind.Number)
        : declared;
    if (element === undefined || !(element.flags & ts.TypeFlags.TypeParameter)) return false;
    const constraint = this.checker.getBaseConstraintOfType(element);
    return constraint === undefined || this.types.levelOf(constraint) === null;
  }

  /** Kept in a variable, property, array, return value...: followed while its type stays. */
  private flowsInto(node: ts.Expression, parent: ts.Node): string | null {
    const target = ts.isShorthandPropertyAssignment(parent)
      ? this.shorthandTarget(parent)
      : ts.isVariableDeclaration(parent) || ts.isParameter(parent)
        ? // Not the contextual type: for `const { client } = x` that is the one the pattern implies.
          parent.type && this.checker.getTypeFromTypeNode(parent.type)
        : this.checker.getContextualType(node);
    if (target === undefined) {
      // Nothing declares the place it goes: it takes the value's own type, and its uses are
      // scanned as they come. Only where it is kept (not, say, a loop's iterable) is it followed.
      return KEEPS.has(parent.kind)
        ? null
        : `${shortText(node)} is used in ${ts.SyntaxKind[parent.kind]}, which the finder does not follow`;
    }
    return this.types.levelOf(target) === null
      ? `${shortText(node)} is kept as ${this.typeText(target)}`
      : null;
  }

  private typeText(type: ts.Type): string {
    return clip(this.checker.typeToString(type));
  }

  private shorthandTarget(property: ts.ShorthandPropertyAssignment): ts.Type | undefined {
    const object = this.checker.getContextualType(property.parent);
    const declared = object?.getProperty(property.name.text);
    return declared === undefined ? undefined : this.checker.getTypeOfSymbol(declared);
  }
}

/** Where a value is kept with the type it has, when nothing else declares one. */
const KEEPS = new Set([
  ts.SyntaxKind.VariableDeclaration,
  ts.SyntaxKind.Parameter,
  ts.SyntaxKind.PropertyAssignment,
  ts.SyntaxKind.ShorthandPropertyAssignment,
  ts.SyntaxKind.PropertyDeclaration,
  ts.SyntaxKind.ArrayLiteralExpression,
  ts.SyntaxKind.ReturnStatement,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.BinaryExpression,
  ts.SyntaxKind.ExportAssignment,
]);

/** `a.b` or `a["b"]`: the object and the member's name (null when the key is computed). */
function member(node: ts.Expression): { object: ts.Expression; name: string } | null {
  const inner = skipParentheses(node);
  if (ts.isPropertyAccessExpression(inner))
    return { object: inner.expression, name: inner.name.text };
  if (ts.isElementAccessExpression(inner) && ts.isStringLiteralLike(inner.argumentExpression))
    return { object: inner.expression, name: inner.argumentExpression.text };
  return null;
}

/** The member a property or element access takes; null when only the running code knows. */
function memberName(
  access: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  checker: ts.TypeChecker,
): string | null {
  if (ts.isPropertyAccessExpression(access)) return access.name.text;
  const key = checker.getTypeAtLocation(access.argumentExpression);
  return key.isStringLiteral() ? key.value : null;
}

function skipParentheses(node: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(node) ? skipParentheses(node.expression) : node;
}

/** An identifier, member access, call... that stands for a value (not a declaration's name). */
function isValueReference(node: ts.Node): node is ts.Expression {
  if (ts.isIdentifier(node)) {
    const parent = node.parent;
    if (ts.isShorthandPropertyAssignment(parent)) return parent.name === node;
    if ((parent as { name?: ts.Node }).name === node) return false;
    if ((parent as { propertyName?: ts.Node }).propertyName === node) return false;
    return !ts.isLabeledStatement(parent) && !ts.isBreakOrContinueStatement(parent);
  }
  return (
    ts.isPropertyAccessExpression(node) ||
    ts.isElementAccessExpression(node) ||
    ts.isCallExpression(node) ||
    ts.isNewExpression(node) ||
    isWrapper(node, undefined)
  );
}

const LOGICAL = new Set([
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.CommaToken,
]);

/**
 * An expression whose value may be its operand's: `(x)`, `x!`, `x as T`, `await x`, `c ? x : y`,
 * `x ?? y`. The client's value goes on through it when its type is the client's too.
 */
function isWrapper(node: ts.Node, operand: ts.Node | undefined): boolean {
  if (
    ts.isParenthesizedExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isAwaitExpression(node)
  )
    return true;
  if (ts.isConditionalExpression(node)) return operand !== node.condition;
  return ts.isBinaryExpression(node) && LOGICAL.has(node.operatorToken.kind);
}

/** Uses that test or show the value without calling anything through it. */
function makesNoCall(parent: ts.Node, node: ts.Node): boolean {
  if (
    ts.isExpressionStatement(parent) ||
    ts.isPrefixUnaryExpression(parent) ||
    ts.isTypeOfExpression(parent) ||
    ts.isVoidExpression(parent) ||
    ts.isTemplateSpan(parent) ||
    ts.isIfStatement(parent) ||
    ts.isWhileStatement(parent) ||
    ts.isDoStatement(parent) ||
    ts.isExportSpecifier(parent)
  )
    return true;
  if (ts.isConditionalExpression(parent)) return parent.condition === node;
  return ts.isBinaryExpression(parent) && COMPARISONS.has(parent.operatorToken.kind);
}

const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
]);

const shortText = (node: ts.Node) => clip(node.getText().replace(/\s+/g, " "));
const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}...` : text);

/**
 * What a call's argument surely passes, and what it may pass: optional properties of its type,
 * and for a union (`{ slug } | { slug; userId }`) every member's properties, since a caller may
 * pass any member. "unknown" when the checker cannot tell (any, an index signature, a computed key).
 */
function passedNames(
  argument: ts.Expression | undefined,
  checker: ts.TypeChecker,
): { passes: string[] | "unknown"; mayPass: string[] } {
  const sure = new Set<string>();
  const maybe = new Set<string>();
  const fromType = (type: ts.Type): boolean => {
    const members = objectMembers(type);
    if (members === null) return false;
    const required = members.map(
      (member) =>
        new Set(
          member
            .getProperties()
            .filter((property) => !(property.flags & ts.SymbolFlags.Optional))
            .map((property) => property.getName()),
        ),
    );
    for (const member of members) {
      for (const property of member.getProperties()) {
        const name = property.getName();
        (required.every((names) => names.has(name)) ? sure : maybe).add(name);
      }
    }
    return true;
  };
  const unknown = { passes: "unknown" as const, mayPass: [] };
  if (argument === undefined) return { passes: [], mayPass: [] };
  if (ts.isObjectLiteralExpression(argument)) {
    for (const property of argument.properties) {
      if (ts.isSpreadAssignment(property)) {
        if (!fromType(checker.getTypeAtLocation(property.expression))) return unknown;
      } else if (
        property.name !== undefined &&
        (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
      ) {
        sure.add(property.name.text);
      } else {
        return unknown;
      }
    }
  } else if (!fromType(checker.getTypeAtLocation(argument))) {
    return unknown;
  }
  for (const name of sure) maybe.delete(name);
  return { passes: [...sure].sort(), mayPass: [...maybe].sort() };
}

/**
 * The object types an argument of this type may be (a union's members, without `undefined`);
 * null when one of them says nothing of its names (any, unknown, an index signature).
 */
function objectMembers(type: ts.Type): ts.Type[] | null {
  const members = (type.isUnion() ? type.types : [type]).filter(
    (member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)),
  );
  const opaque = members.some(
    (member) =>
      member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown) ||
      member.getStringIndexType() !== undefined,
  );
  return opaque ? null : members;
}
