// The template's package-lock.json, minus workspaces a new project does not get (this package).
// Dropping a workspace can orphan packages and change which remaining ones count as dev or
// optional, so both are recomputed the way npm does, and the file is written in npm's own key
// order: the new project's first `npm install` (and `npm ci`) finds it in sync and leaves it as is.

type Deps = Record<string, string>;

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Deps;
  devDependencies?: Deps;
  optionalDependencies?: Deps;
  peerDependencies?: Deps;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface Lockfile {
  name?: string;
  lockfileVersion?: number;
  packages: Record<string, LockEntry>;
  [key: string]: unknown;
}

interface Flags {
  dev: boolean;
  optional: boolean;
  devOptional: boolean;
  peer: boolean;
}

const FLAG_KEYS = ["dev", "optional", "devOptional", "peer"] as const;

/** Where `name` resolves from the package at `from`: node_modules folders up the tree. */
function resolveFrom(packages: Lockfile["packages"], from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === "") return null;
    const nested = base.lastIndexOf("/node_modules/");
    if (nested >= 0) base = base.slice(0, nested);
    else if (base.startsWith("node_modules/")) base = "";
    else base = base.includes("/") ? base.slice(0, base.lastIndexOf("/")) : "";
  }
}

/**
 * Each dependency of an entry with its kind, as npm's dependency edges see them. The order is
 * Arborist's: a name listed twice takes the kind read last (peer, then prod, optional, dev).
 */
function edgesOf(entry: LockEntry, top: boolean) {
  const edges = new Map<string, { dev: boolean; optional: boolean; peer: boolean }>();
  for (const name of Object.keys(entry.peerDependencies ?? {})) {
    const optional = entry.peerDependenciesMeta?.[name]?.optional === true;
    edges.set(name, { dev: false, optional, peer: true });
  }
  for (const name of Object.keys(entry.dependencies ?? {}))
    edges.set(name, { dev: false, optional: false, peer: false });
  for (const name of Object.keys(entry.optionalDependencies ?? {}))
    edges.set(name, { dev: false, optional: true, peer: false });
  if (top) {
    for (const name of Object.keys(entry.devDependencies ?? {}))
      edges.set(name, { dev: true, optional: false, peer: false });
  }
  return edges;
}

/**
 * Removes the given workspace folders (and their node_modules links) from a lockfile, drops the
 * packages nothing needs any more, and recomputes every package's dev/optional/devOptional/peer
 * flags (npm's calc-dep-flags: a flag stays set only while every path to the package carries it).
 */
export function pruneLockfile(lock: Lockfile, removedWorkspaces: readonly string[]): Lockfile {
  const packages: Lockfile["packages"] = {};
  const removed = new Set(removedWorkspaces);
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (removed.has(location) || [...removed].some((w) => location.startsWith(`${w}/`))) continue;
    if (entry.link === true && entry.resolved !== undefined && removed.has(entry.resolved))
      continue;
    packages[location] = entry;
  }

  // The root and its workspaces (folders outside node_modules) are the tops: no flag.
  const isTop = (location: string) =>
    location === "" || !location.split("/").includes("node_modules");
  const flags = new Map<string, Flags>();
  const queue: string[] = [];
  for (const location of Object.keys(packages)) {
    if (isTop(location)) {
      flags.set(location, { dev: false, optional: false, devOptional: false, peer: false });
      queue.push(location);
    }
  }
  // The links to the workspaces are reached through the root's workspace edges.
  for (const [location, entry] of Object.entries(packages)) {
    if (entry.link === true && entry.resolved !== undefined && isTop(entry.resolved)) {
      flags.set(location, { dev: false, optional: false, devOptional: false, peer: false });
    }
  }

  const unset = (location: string, next: Partial<Flags>) => {
    const current = flags.get(location) ?? {
      dev: true,
      optional: true,
      devOptional: true,
      peer: true,
    };
    let changed = !flags.has(location);
    const updated = { ...current };
    for (const key of FLAG_KEYS) {
      if (next[key] === false && updated[key]) {
        updated[key] = false;
        changed = true;
      }
    }
    flags.set(location, updated);
    if (changed) queue.push(location);
  };

  while (queue.length > 0) {
    const location = queue.shift() as string;
    const entry = packages[location];
    const from = flags.get(location);
    if (entry === undefined || from === undefined) continue;
    if (entry.link === true) {
      if (entry.resolved !== undefined && packages[entry.resolved] !== undefined)
        unset(entry.resolved, from);
      continue;
    }
    for (const [name, edge] of edgesOf(entry, isTop(location))) {
      const to = resolveFrom(packages, location, name);
      if (to === null) continue; // a missing optional or peer dependency
      // Arborist's calc-dep-flags: a flag is cleared by an edge that does not carry it from a
      // package that does not have it; devOptional only by a plain edge from a plain package.
      unset(to, {
        dev: !(!from.dev && !edge.dev),
        optional: !(!from.optional && !edge.optional),
        devOptional: !(
          !from.devOptional &&
          !from.dev &&
          !from.optional &&
          !edge.dev &&
          !edge.optional
        ),
        peer: !(!from.peer && !edge.peer),
      });
    }
  }

  const result: Lockfile["packages"] = {};
  for (const [location, entry] of Object.entries(packages)) {
    const flagged = flags.get(location);
    if (flagged === undefined) continue; // nothing depends on it any more
    if (entry.link === true || isTop(location)) {
      result[location] = entry;
      continue;
    }
    const { dev: _d, optional: _o, devOptional: _do, peer: _p, ...rest } = entry;
    const next: LockEntry = { ...rest };
    if (flagged.peer) next.peer = true;
    if (flagged.dev) next.dev = true;
    if (flagged.optional) next.optional = true;
    if (flagged.devOptional && !flagged.dev && !flagged.optional) next.devOptional = true;
    result[location] = next;
  }
  return { ...lock, packages: result };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** npm's top-level key order (Arborist's Shrinkwrap). */
const LOCK_KEY_ORDER = [
  "name",
  "version",
  "lockfileVersion",
  "resolved",
  "integrity",
  "requires",
  "packages",
  "dependencies",
];

/**
 * A lockfile as npm writes it (json-stringify-nice): in every object, scalars before objects,
 * npm's preferred keys first, the rest in English locale order; two-space indent, final newline.
 */
export function stringifyLockfile(lock: Lockfile): string {
  const compare = (a: string, b: string) => {
    const ia = LOCK_KEY_ORDER.indexOf(a);
    const ib = LOCK_KEY_ORDER.indexOf(b);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return a.localeCompare(b, "en");
  };
  const sorted = (_key: string, value: unknown) => {
    if (!isObject(value)) return value;
    return Object.fromEntries(
      Object.entries(value).sort(([ak, av], [bk, bv]) =>
        isObject(av) === isObject(bv) ? compare(ak, bk) : isObject(av) ? 1 : -1,
      ),
    );
  };
  return `${JSON.stringify(lock, sorted, 2)}\n`;
}
