// Which values are the typed client, one of its services, or one of its methods, told by their
// TYPE (whatever holds them: a variable, a parameter, a property, a call's result), and the
// service and method names those types stand for.
import ts from "typescript";

/** What a value of the typed client is: the whole client, one service, or one method. */
export type ClientLevel = "client" | "service" | "method";

export interface MethodName {
  readonly service: string;
  /** Null when two methods of the service have the very same type (same input and output). */
  readonly method: string | null;
}

const TRPC_CLIENT = /[\\/]@trpc[\\/]client[\\/]/;

/** Whether this is a tRPC client procedure's own member (`query`/`mutate`, from @trpc/client). */
export function isClientProcedure(symbol: ts.Symbol | undefined): boolean {
  return (symbol?.declarations ?? []).some((d) => TRPC_CLIENT.test(d.getSourceFile().fileName));
}

export class ClientTypes {
  private readonly methods = new Map<ts.Type, boolean>();
  private readonly services = new Map<ts.Type, boolean>();
  private readonly clients = new Map<ts.Type, boolean>();
  private readonly learned = new Set<ts.Type>();
  private readonly serviceNames = new Map<ts.Type, string | null>();
  private readonly methodNames = new Map<ts.Type, MethodName>();

  constructor(private readonly checker: ts.TypeChecker) {}

  /** The level of a value of this type; null when it is no part of a typed client. */
  levelOf(type: ts.Type): ClientLevel | null {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) return null;
    const value = this.checker.getNonNullableType(type);
    if (value.isUnion()) {
      const levels = new Set(value.types.map((member) => this.levelOf(member)));
      return levels.size === 1 ? ([...levels][0] ?? null) : null;
    }
    if (this.isMethod(value)) return "method";
    if (this.isService(value)) return "service";
    if (this.isClient(value)) return "client";
    return null;
  }

  /**
   * Records the service and method names a client type leads to (its keys), so that a value of
   * one of those types is named wherever it went.
   */
  learn(client: ts.Type): void {
    const value = this.checker.getNonNullableType(client);
    if (this.learned.has(value)) return;
    this.learned.add(value);
    for (const service of value.getProperties()) {
      if (isSymbolKey(service)) continue;
      const serviceType = this.checker.getTypeOfSymbol(service);
      if (!this.isService(serviceType)) continue;
      const known = this.serviceNames.get(serviceType);
      this.serviceNames.set(
        serviceType,
        known === undefined || known === service.name ? service.name : null,
      );
      for (const method of serviceType.getProperties()) {
        const methodType = this.checker.getTypeOfSymbol(method);
        if (!this.isMethod(methodType)) continue;
        const seen = this.methodNames.get(methodType);
        this.methodNames.set(
          methodType,
          seen === undefined || (seen.service === service.name && seen.method === method.name)
            ? { service: service.name, method: method.name }
            : { service: service.name, method: null },
        );
      }
    }
  }

  /** The name of the service a value of this (service) type is; null when not known. */
  serviceName(type: ts.Type): string | null {
    return this.serviceNames.get(this.checker.getNonNullableType(type)) ?? null;
  }

  /** The service and method a value of this (method) type is; null when not known. */
  methodName(type: ts.Type): MethodName | null {
    return this.methodNames.get(this.checker.getNonNullableType(type)) ?? null;
  }

  private isMethod(type: ts.Type): boolean {
    return cached(this.methods, type, () =>
      ["query", "mutate"].some((verb) => isClientProcedure(type.getProperty(verb))),
    );
  }

  private isService(type: ts.Type): boolean {
    return cached(this.services, type, () =>
      this.someProperty(type, (inner) => this.isMethod(inner)),
    );
  }

  private isClient(type: ts.Type): boolean {
    return cached(this.clients, type, () =>
      this.someProperty(type, (inner) => this.isService(inner)),
    );
  }

  private someProperty(type: ts.Type, test: (inner: ts.Type) => boolean): boolean {
    const shapes = ts.TypeFlags.Object | ts.TypeFlags.Intersection | ts.TypeFlags.TypeParameter;
    if (!(type.flags & shapes)) return false;
    // The client, its services and methods are plain objects: not functions, classes or modules.
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0)
      return false;
    if ((type.getSymbol()?.flags ?? 0) & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.Enum))
      return false;
    // Mapped-type members (the client's services and methods) have no declaration to ask. Keys
    // that are symbols are not services: the client's untyped client hides behind one, and has
    // a `query` of its own.
    return type
      .getProperties()
      .some((property) => !isSymbolKey(property) && test(this.checker.getTypeOfSymbol(property)));
  }
}

/** A property keyed by a symbol (TypeScript writes its name as `__@name@id`). */
const isSymbolKey = (property: ts.Symbol) => String(property.escapedName).startsWith("__@");

function cached(cache: Map<ts.Type, boolean>, type: ts.Type, compute: () => boolean): boolean {
  const known = cache.get(type);
  if (known !== undefined) return known;
  cache.set(type, false); // a type that contains itself is not a client while it is asked
  const value = compute();
  cache.set(type, value);
  return value;
}
