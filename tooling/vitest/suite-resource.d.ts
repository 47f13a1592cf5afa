export interface SuiteResource<T> {
  /** The resource, inside a test (throws when beforeAll did not make it). */
  get(): T;
}

export declare function suiteResource<T>(
  make: () => Promise<T>,
  dispose: (value: T) => Promise<void>,
  timeoutMs?: number,
  hooks?: {
    beforeAll(hook: () => Promise<void>, timeoutMs?: number): void;
    afterAll(hook: () => Promise<void>, timeoutMs?: number): void;
  },
): SuiteResource<T>;
