import type { AnyMethodContract, AnyServiceContract } from "./contract.ts";
import type { ServiceImplementation } from "./service.ts";

/** A service as a process knows it: its contract, and how to load its implementation. */
export interface ServiceEntry {
  readonly contract: AnyServiceContract;
  /**
   * Loads the implementation, typically `() => import("./impl.ts").then((m) => m.impl)`. Called
   * only where the service is local (or in MONOLITH), once, on first use: other silos never load
   * the implementation or its database code.
   */
  readonly load: () => Promise<ServiceImplementation>;
}

export class ServiceDefinitionError extends Error {
  override readonly name = "ServiceDefinitionError";
}

const KEY = /^[a-z][A-Za-z0-9]*$/;
const METHOD = /^[a-z][A-Za-z0-9]*$/;

/**
 * The services a process knows. Created at startup, where it checks every contract and names
 * the service and method of each mistake.
 */
export class ServiceRegistry {
  readonly #entries = new Map<string, ServiceEntry>();
  readonly #loaded = new Map<string, Promise<ServiceImplementation>>();
  readonly #ready = new Map<string, ServiceImplementation>();

  constructor(entries: readonly ServiceEntry[]) {
    const problems: string[] = [];
    for (const entry of entries) {
      const { key } = entry.contract;
      if (this.#entries.has(key)) problems.push(`Service key "${key}" is used by two services.`);
      problems.push(...contractProblems(entry.contract));
      this.#entries.set(key, entry);
    }
    if (problems.length > 0) {
      throw new ServiceDefinitionError(`Invalid RPC services:\n  ${problems.join("\n  ")}`);
    }
  }

  get services(): readonly AnyServiceContract[] {
    return [...this.#entries.values()].map((entry) => entry.contract);
  }

  /** The contract of a service, or undefined (safe for any name, such as `__proto__`). */
  contract(serviceKey: string): AnyServiceContract | undefined {
    return this.#entries.get(serviceKey)?.contract;
  }

  method(serviceKey: string, methodName: string): AnyMethodContract | undefined {
    const contract = this.contract(serviceKey);
    if (contract === undefined || !Object.hasOwn(contract.methods, methodName)) return undefined;
    return contract.methods[methodName];
  }

  /** The implementation, loaded on first use and checked against its contract. */
  implementation(serviceKey: string): Promise<ServiceImplementation> {
    let loaded = this.#loaded.get(serviceKey);
    if (loaded === undefined) {
      const entry = this.#entries.get(serviceKey);
      if (entry === undefined) return Promise.reject(new Error(`Unknown service "${serviceKey}".`));
      loaded = entry.load().then((implementation) => {
        assertImplements(entry.contract, implementation);
        this.#ready.set(serviceKey, implementation);
        return implementation;
      });
      loaded.catch(() => this.#loaded.delete(serviceKey));
      this.#loaded.set(serviceKey, loaded);
    }
    return loaded;
  }

  /** The implementation if it has loaded already (a call then waits for no promise). */
  loadedImplementation(serviceKey: string): ServiceImplementation | undefined {
    return this.#ready.get(serviceKey);
  }

  /** Loads and checks every implementation local to this process (call it at startup). */
  async loadAll(keys: readonly string[] = [...this.#entries.keys()]): Promise<void> {
    await Promise.all(keys.map((key) => this.implementation(key)));
  }
}

function contractProblems(contract: AnyServiceContract): string[] {
  const problems: string[] = [];
  const { key, localMode } = contract;
  if (!KEY.test(key)) problems.push(`Service key "${key}" must be camelCase letters and digits.`);
  if (localMode !== "CONTROL" && localMode !== "REGION") {
    problems.push(
      `Service "${key}": localMode must be CONTROL or REGION, not ${String(localMode)}.`,
    );
  }
  const names = Object.keys(contract.methods);
  if (names.length === 0) problems.push(`Service "${key}" has no methods.`);
  for (const name of names) {
    const method = contract.methods[name] as AnyMethodContract;
    const where = `${key}.${name}`;
    if (!METHOD.test(name))
      problems.push(`${where}: method names must be camelCase letters and digits.`);
    if (method.kind !== "query" && method.kind !== "mutation") {
      problems.push(`${where}: kind must be "query" or "mutation".`);
    }
    if (!isZod(method.input)) problems.push(`${where}: has no input schema.`);
    else if (method.input.def?.type !== "object") {
      problems.push(
        `${where}: input must be a z.object() of named parameters, not ${method.input.def?.type}.`,
      );
    }
    if (!isZod(method.output)) problems.push(`${where}: has no output schema.`);
    else if (method.returnNullIfMappingNotFound === true && !acceptsNull(method.output)) {
      problems.push(
        `${where}: returnNullIfMappingNotFound answers null, which its output does not accept (make the output .nullable()).`,
      );
    }
    if (localMode === "REGION" && method.resolve === undefined) {
      problems.push(
        `${where}: methods of a REGION service need a resolver (regionQuery/regionMutation).`,
      );
    }
    if (localMode === "CONTROL" && method.resolve !== undefined) {
      problems.push(
        `${where}: methods of a CONTROL service run in the control silo and take no resolver.`,
      );
    }
  }
  return problems;
}

function acceptsNull(schema: { safeParse?: (value: unknown) => { success: boolean } }): boolean {
  try {
    return schema.safeParse?.(null).success === true;
  } catch {
    return false;
  }
}

function isZod(schema: unknown): schema is { def?: { type?: string } } {
  return typeof schema === "object" && schema !== null && "safeParse" in schema && "def" in schema;
}

function assertImplements(
  contract: AnyServiceContract,
  implementation: ServiceImplementation,
): void {
  const problems: string[] = [];
  if (implementation.contract !== contract) {
    problems.push(
      `the implementation was built for another contract ("${implementation.contract?.key}").`,
    );
  }
  const procedures = implementation.router._def.procedures as Record<
    string,
    { _def: { type: string; inputs: unknown[]; output?: unknown } }
  >;
  for (const [name, method] of Object.entries(contract.methods)) {
    const procedure = procedures[name];
    if (procedure === undefined) problems.push(`method "${name}" is not implemented.`);
    else if (procedure._def.type !== method.kind) {
      problems.push(
        `method "${name}" is a ${procedure._def.type}, the contract says ${method.kind}.`,
      );
    } else if (
      procedure._def.inputs[0] !== method.input ||
      procedure._def.output !== method.output
    ) {
      problems.push(`method "${name}" does not use the contract's input and output schemas.`);
    }
  }
  for (const name of Object.keys(procedures)) {
    if (!Object.hasOwn(contract.methods, name))
      problems.push(`method "${name}" is not in the contract.`);
  }
  if (problems.length > 0) {
    throw new ServiceDefinitionError(
      `The implementation of service "${contract.key}" does not match its contract: ${problems.join(" ")}`,
    );
  }
}
