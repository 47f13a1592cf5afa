// A bounded, short-lived cache of organization mappings in front of their source.
import type { LookupOptions, MappingSource, OrganizationMapping } from "./resolvers.ts";

export interface MappingCacheOptions {
  /** How long a resolved mapping is trusted (default 10 s). */
  ttlMs?: number;
  /** Most mappings kept (default 10,000); the least recently resolved go first. */
  maxEntries?: number;
  now?: () => number;
  /**
   * Called by `invalidate()` after forgetting the mapping: tells the other processes that cache
   * it (the silo's other replicas), which `forget()` it.
   */
  onInvalidate?: (mapping: { organizationId?: string; slug?: string }) => void;
}

const SINGLE = "single";

/**
 * Caches resolved organization mappings so routing does not cost a database or network round
 * trip per call. Bounded (LRU), short-lived, and invalidated by `invalidate()` when this process
 * changes a mapping. Misses are not cached: a new organization is resolvable at once.
 */
export class MappingCache implements MappingSource {
  readonly #source: MappingSource;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #onInvalidate: MappingCacheOptions["onInvalidate"];
  // Keys: "s:<slug>", "i:<id>" and SINGLE. Map order is recency order (re-inserted on hit).
  readonly #entries = new Map<string, { mapping: OrganizationMapping; expires: number }>();

  constructor(source: MappingSource, options: MappingCacheOptions = {}) {
    this.#source = source;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#max = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#onInvalidate = options.onInvalidate;
  }

  // A miss asks the source with the lookup's options: its deadline bounds that request.
  bySlug(slug: string, options?: LookupOptions): Promise<OrganizationMapping | null> {
    return this.#get(`s:${slug}`, () => this.#source.bySlug(slug, options));
  }

  byId(organizationId: string, options?: LookupOptions): Promise<OrganizationMapping | null> {
    return this.#get(`i:${organizationId}`, () => this.#source.byId(organizationId, options));
  }

  /** The one organization of a single-organization install: cached like any mapping. */
  single(options?: LookupOptions): Promise<OrganizationMapping | null> {
    return this.#get(SINGLE, () => this.#source.single(options));
  }

  /** The cached mapping, without asking the source (for tests and diagnostics). */
  peek(key: { slug: string } | { organizationId: string }): OrganizationMapping | undefined {
    const entry = this.#entries.get("slug" in key ? `s:${key.slug}` : `i:${key.organizationId}`);
    return entry !== undefined && entry.expires > this.#now() ? entry.mapping : undefined;
  }

  /**
   * Forgets an organization's mapping, by id and by slug, and tells the other processes that
   * cache it (`onInvalidate`): call it when a mapping changes.
   */
  invalidate(mapping: { organizationId?: string; slug?: string }): void {
    this.forget(mapping);
    this.#onInvalidate?.(mapping);
  }

  /** Forgets an organization's mapping without telling anyone (another process changed it). */
  forget(mapping: { organizationId?: string; slug?: string }): void {
    for (const [key, entry] of this.#entries) {
      if (
        entry.mapping.organizationId === mapping.organizationId ||
        entry.mapping.slug === mapping.slug
      ) {
        this.#entries.delete(key);
      }
    }
    // Any change may make the install have one organization, or more than one.
    this.#entries.delete(SINGLE);
    if (mapping.slug !== undefined) this.#entries.delete(`s:${mapping.slug}`);
    if (mapping.organizationId !== undefined) this.#entries.delete(`i:${mapping.organizationId}`);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  async #get(
    key: string,
    load: () => Promise<OrganizationMapping | null>,
  ): Promise<OrganizationMapping | null> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      if (hit.expires > now) {
        this.#entries.set(key, hit);
        return hit.mapping;
      }
    }
    const mapping = await load();
    if (mapping !== null) {
      const expires = this.#now() + this.#ttlMs;
      this.#put(`s:${mapping.slug}`, { mapping, expires });
      this.#put(`i:${mapping.organizationId}`, { mapping, expires });
      if (key === SINGLE) this.#put(SINGLE, { mapping, expires });
    }
    return mapping;
  }

  #put(key: string, entry: { mapping: OrganizationMapping; expires: number }): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
