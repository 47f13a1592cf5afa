// The project name (the root package.json name) and the npm scope of its packages, checked with
// npm's own rules (validate-npm-package-name, the package npm uses) before anything is written.
import validate from "validate-npm-package-name";

export class InputError extends Error {}

const problems = (result: ReturnType<typeof validate>) => [
  ...(result.errors ?? []),
  ...(result.warnings ?? []),
];

/** Throws an InputError naming every problem unless `name` is valid for a new npm package. */
export function checkProjectName(name: string): string {
  const result = validate(name);
  if (!result.validForNewPackages) {
    throw new InputError(
      `Invalid project name "${name}": ${problems(result).join("; ")}. The project name is the ` +
        `folder's name, and must be a valid npm package name (e.g. my-app).`,
    );
  }
  return name;
}

/**
 * The scope with its @ (`acme` and `@acme` both give `@acme`); throws an InputError naming the
 * problem unless `@<scope>/<package>` names are valid for new npm packages.
 */
export function checkScope(scope: string): string {
  const bare = scope.startsWith("@") ? scope.slice(1) : scope;
  const fail = (reason: string): never => {
    throw new InputError(
      `Invalid scope "${scope}": ${reason}. A scope is @ and a lowercase name of letters, ` +
        `digits, "-", "." or "_" (e.g. @my-app).`,
    );
  };
  if (bare === "") fail("the name after @ is empty");
  if (/[/@]/.test(bare)) fail('it cannot contain "/" or another "@"');
  if (/^[._-]/.test(bare)) fail('it cannot start with ".", "_" or "-"');
  // The longest package name the project will have, checked as npm would.
  const result = validate(`@${bare}/vitest-config`);
  if (!result.validForNewPackages)
    fail(problems(result).join("; ").replaceAll("name ", "a scoped package name "));
  return `@${bare}`;
}

/** The default scope of a project: @ and its name. */
export const defaultScope = (name: string) => `@${name}`;
